// Runs inside the VS Code extension host (runTests' extensionTestsPath): loads the *.test.js files beside it into
// mocha and resolves when they pass. Plain JavaScript, so nothing needs compiling before the host starts.
'use strict';
const path = require('path');
const fs = require('fs');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120000, reporter: 'spec' });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      // The stand-in watches for this line: a failing run does not always reach codeAutomationExit in the web host.
      console.log(`UNISPARSE_HOST_TESTS_DONE failures=${failures}`);
      if (failures) reject(new Error(`${failures} host test(s) failed.`)); else resolve();
    });
  });
};
