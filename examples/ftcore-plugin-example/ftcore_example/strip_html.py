"""The ``strip_html`` cleaner: HTML in a field becomes its plain text."""

from html.parser import HTMLParser

from ftcore.api import Cleaner, rewrite_text

SKIPPED = {"script", "style"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in SKIPPED
        if tag in ("br", "p", "div", "li"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.skipping -= tag in SKIPPED and self.skipping > 0

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of ``html``: tags and scripts removed, entities decoded, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


class StripHtml(Cleaner):
    """A rewrite; rows whose text has no markup come out unchanged (and are not counted as changed)."""

    mode = "rewrite"

    def apply(self, values):
        """The plain text of each value (every message of a conversation)."""
        return [rewrite_text(v, lambda t: html_to_text(t) if "<" in t or "&" in t else t) for v in values]
