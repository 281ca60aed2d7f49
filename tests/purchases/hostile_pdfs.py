"""PDFs written byte by byte, to be what no PDF library would write: page trees that name the
same pages over and over, page counts that lie, files of tens of thousands of objects."""

from io import BytesIO

PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def raw_pdf(objects: dict[int, bytes], *, with_xref: bool = True) -> bytes:
    """Objects numbered from 1, the catalogue first; without the cross-reference table a reader
    has to find every object by scanning the file."""
    out = BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    size = max(objects) + 1
    xref = out.tell()
    if with_xref:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.write(b"%010d 00000 n \n" % offsets[number])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def _catalogue(kids: list[int], count: int) -> dict[int, bytes]:
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, count),
    }


def pages_pdf(pages: int, *, declared: int | None = None, with_xref: bool = True) -> bytes:
    """A flat page tree of blank pages, whose /Count says `declared` (the truth by default)."""
    kids = list(range(3, 3 + pages))
    objects = _catalogue(kids, pages if declared is None else declared)
    objects |= dict.fromkeys(kids, PAGE)
    return raw_pdf(objects, with_xref=with_xref)


def page_tree_bomb(levels: int) -> bytes:
    """Each node's two kids are the same node: 2**(levels + 1) pages from levels + 3 objects."""
    objects = _catalogue([3, 3], 2)
    for number in range(3, 3 + levels):
        objects[number] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>" % (
            number + 1,
            number + 1,
        )
    objects[3 + levels] = PAGE
    return raw_pdf(objects)
