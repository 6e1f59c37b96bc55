"""The Python app: uses the C codec through its WIT interface."""

from wit_world import exports
from wit_world.imports import rle
from componentize_py_types import Err


class Report(exports.Report):
    def summarize(self, text: str) -> str:
        data = text.encode("utf-8")
        packed = rle.encode(data)
        try:
            unpacked = rle.decode(packed)
        except Err as e:
            return f"the codec refused its own output: {e.value}"
        verdict = "round trip ok" if unpacked == data else "round trip BROKEN"
        ratio = len(packed) / len(data) if data else 1.0
        return f"{len(data)} bytes -> {len(packed)} bytes with the C codec ({ratio:.2f}), {verdict}"
