"""The typing names the generated types (_schema.py) use, on every Python the package supports.

`NotRequired` is in typing from 3.11, `TypeAlias` from 3.10. Older Pythons get stand-ins that
import and subscript: type checkers read the typing_extensions branch, and at run time a
TypedDict is a plain dict whatever its keys are marked."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing_extensions import NotRequired, TypeAlias, TypedDict
elif sys.version_info >= (3, 11):
    from typing import NotRequired, TypeAlias, TypedDict
else:
    from typing import TypedDict

    class NotRequired:
        """`NotRequired[X]` is `X` here (the key then counts as required in `__required_keys__`)."""

        def __class_getitem__(cls, item: object) -> object:
            return item

    TypeAlias = object  # only ever written as an annotation, never evaluated

__all__ = ["NotRequired", "TypeAlias", "TypedDict"]
