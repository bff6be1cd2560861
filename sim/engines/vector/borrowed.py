"""Borrowed arrays: the kernel's arrays without reference counting.

Numba counts references to every array it touches: reading a field of the
kernel's ``World`` increments the array's count and letting it go decrements it,
each an atomic operation in a non-inlined call. In the event kernel that was
over half of the run time. The arrays of a run are owned by the Python caller
(``run_vector`` holds them until the kernel returns), so the kernel can borrow
them: a ``BorrowedArray`` has the array's layout but no meminfo for Numba to
count, and the cast into it clears the meminfo so nothing is counted twice.

The ``World`` that holds them is borrowed the same way (``register_borrowed``):
passing it to each of the kernel's small functions would otherwise count it on
every call. Its proxy object keeps one count for good, so the few kilobytes of
array headers of a run are not freed (its arrays are, with their Python owners).
"""

from __future__ import annotations

from typing import Any

from numba.core import cgutils, types
from numba.core.datamodel.models import ArrayModel, StructRefModel
from numba.core.extending import register_model
from numba.core.imputils import lower_cast
from numba.experimental import structref


class BorrowedArray(types.Array):
    """A numpy array whose owner outlives every use in compiled code (no reference counting)."""

    def __init__(self, dtype: Any, ndim: int, layout: str, readonly: bool = False, aligned: bool = True) -> None:
        super().__init__(dtype, ndim, layout, readonly=readonly, aligned=aligned,  # type: ignore[call-overload]
                         name=f"borrowed array({dtype}, {ndim}d, {layout})")


@register_model(BorrowedArray)
class BorrowedArrayModel(ArrayModel):
    """The array layout with its meminfo hidden from reference counting."""

    def traverse(self, builder: Any) -> list[Any]:
        return []

    def contains_nrt_meminfo(self) -> bool:
        return False


@lower_cast(types.Array, BorrowedArray)
def _borrow(context: Any, builder: Any, fromty: Any, toty: Any, val: Any) -> Any:
    ary = context.make_array(fromty)(context, builder, value=val)
    ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
    return ary._getvalue()


def borrowed(typ: Any) -> Any:
    """The borrowed twin of an array type (other types unchanged)."""
    if type(typ) is types.Array:
        return BorrowedArray(typ.dtype, typ.ndim, typ.layout, readonly=not typ.mutable, aligned=typ.aligned)
    return typ


class BorrowedStructRefModel(StructRefModel):
    """A structref whose meminfo compiled code does not count (its Python proxy keeps it alive)."""

    def traverse(self, builder: Any) -> list[Any]:
        return []

    def contains_nrt_meminfo(self) -> bool:
        return False


def register_borrowed(struct_type: Any) -> Any:
    """``structref.register`` with the borrowed data model (use as a class decorator)."""
    register_model(struct_type)(BorrowedStructRefModel)
    structref.define_attributes(struct_type)
    return struct_type
