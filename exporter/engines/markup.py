"""Reading markup safely: XML documents into element trees, HTML fragments as plain text.

`parse_xml` is expat with every DTD refused: a feed needs none, and without one no entity can be
declared, so nothing expands (billion laughs, quadratic blowup) and nothing external is fetched
(XXE). Expat is linear in its input, builds the tree without recursion, and the fetch's size cap
bounds the input. Any failure is `InvalidPayload`: the body is not a well-formed document.

HTML is never rendered: `html_text` only drops tags and decodes character references, with
patterns that cannot backtrack (a tag is `<` up to the next `<` or `>`).
"""

from __future__ import annotations

import html
import re
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from exporter.errors import InvalidPayload
from exporter.model import clean

_SEPARATOR = " "  # expat writes a namespaced name as "uri local"; no URI or name holds a space


class _Refused(Exception):
    """A construct we do not parse (a DTD); carries the message."""


def parse_xml(content: bytes) -> Element:
    """The root element of an XML document; InvalidPayload if it is not well-formed or has a DTD.

    Names are in ElementTree's `{uri}local` form. The text is decoded as XML says (byte-order
    mark, else the `encoding` of the XML declaration, else UTF-8), never by an HTTP header.
    """
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=_SEPARATOR)
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity  # unreachable without a DTD; a second lock on the door
    parser.StartElementHandler = lambda name, attributes: builder.start(
        _name(name), {_name(key): value for key, value in attributes.items()}
    )
    parser.EndElementHandler = lambda name: builder.end(_name(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(content, True)
    except expat.ExpatError as err:
        raise InvalidPayload(f"document: not well-formed XML: {err}") from None
    except _Refused as err:
        raise InvalidPayload(f"document: {err}") from None
    except (LookupError, ValueError) as err:
        # an `encoding` Python names but expat cannot use (a codec of several bytes per character)
        raise InvalidPayload(f"document: unusable XML encoding: {str(err)[:100]}") from None
    return builder.close()


def _refuse_doctype(*_args: object) -> None:
    raise _Refused("a DTD (<!DOCTYPE>) is not allowed in a feed")


def _refuse_entity(*_args: object) -> None:
    raise _Refused("an entity declaration is not allowed in a feed")


def _name(expat_name: str) -> str:
    uri, separator, local = expat_name.rpartition(_SEPARATOR)
    return f"{{{uri}}}{local}" if separator else local


_TAG = re.compile(r"<[^<>]*>")
_SPACE = re.compile(r"\s+")


def html_text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, character references decoded, spaces collapsed."""
    return collapse(html.unescape(_TAG.sub(" ", fragment)))


def collapse(text: str) -> str:
    """Runs of white space as one space, none at either end; lone surrogates replaced."""
    return clean(_SPACE.sub(" ", text).strip())
