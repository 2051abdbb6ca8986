// A small inventory module: the host tests ask questions about it.
'use strict';

class Inventory {
  constructor() {
    this.items = new Map();
  }

  add(name, count) {
    this.items.set(name, (this.items.get(name) || 0) + count);
  }

  remove(name, count) {
    const left = (this.items.get(name) || 0) - count;
    if (left < 0) throw new Error(`not enough ${name} in stock`);
    this.items.set(name, left);
  }
}

function restock(inventory, orders) {
  for (const order of orders) inventory.add(order.name, order.count);
  return inventory;
}

module.exports = { Inventory, restock };
