"""How a purchase document leaves the server, for the page and the API alike."""

from django.http import FileResponse, Http404


def document_response(document) -> FileResponse:
    """The PDF as a download, never cached by anything shared and never sniffed as HTML."""
    try:
        file = document.file.open("rb")
    except (FileNotFoundError, NotADirectoryError):
        raise Http404 from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"{document.title}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
