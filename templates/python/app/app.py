"""The command: calls the greeter and prints what it says."""

import sys

from wit_world import exports
from wit_world.imports import greeter


class Run(exports.Run):
    def run(self) -> None:
        name = sys.argv[1] if len(sys.argv) > 1 else "world"
        print(greeter.greet(name))
