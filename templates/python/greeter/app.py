"""local:{{name}}/greeter in Python."""

from wit_world import exports


class Greeter(exports.Greeter):
    def greet(self, name: str) -> str:
        return f"Hello, {name}, from a Python component!"
