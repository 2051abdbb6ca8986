"""Shapes and their areas: a tiny repository the host tests open in VS Code."""
import math


class Circle:
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius ** 2


def total_area(shapes):
    """Sum of the areas of all shapes."""
    return sum(s.area() for s in shapes)
