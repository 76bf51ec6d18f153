"""Which files the light site may publish, and the bytes it publishes: images only, raster images
re-encoded from their pixels (no metadata survives), SVGs rebuilt from an allow-list.

The internal site does not come here: its files travel inside the encrypted pages as they are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import stat
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

# Extension -> Pillow format. An image must be what its extension says.
RASTER = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
OUT_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
SVG_SUFFIX = ".svg"
KINDS = "PNG, JPEG, GIF, WebP or SVG"
MARKDOWN = (".md", ".markdown", ".mkd", ".mkdn", ".mdown", ".mdwn", ".mdtxt", ".mdtext", ".mdx")
MARKDOWN += (".rmd", ".qmd", ".text")
DATA = (".yml", ".yaml", ".json", ".jsonl", ".csv", ".tsv", ".txt", ".toml", ".ini", ".xml")
DATA += (".cfg", ".conf", ".env", ".properties", ".xls", ".xlsx", ".ods", ".sqlite", ".db")
PLAYBOOK = "playbook"
ROADMAP_DATA = ("strategy.yml", "themes.yml")
# Decoding limits: a small file must not expand into gigabytes of pixels.
MAX_PIXELS = 50_000_000  # over every frame of an animation
MAX_FRAMES = 500
JPEG_QUALITY = 90
MAX_SVG_BYTES = 10_000_000
MAX_FILE_BYTES = 50_000_000


@dataclass(frozen=True)
class Refusal(Exception):
    """Why a file may not be on the light site; `hint` says what to do instead."""

    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}"


@dataclass(frozen=True)
class Published:
    """A file as the light site publishes it: cleaned bytes under a content-hashed name."""

    data: bytes
    suffix: str

    @property
    def site_path(self) -> str:
        return f"media/{hashlib.sha256(self.data).hexdigest()[:16]}{self.suffix}"


def path_refusal(path: Path, content_dir: Path, written: str) -> Refusal | None:
    """Why the file at `path` (not resolved: links are looked at, not followed) may not be
    published on the light site, from its name and place alone; None when it may be.
    `written` is the target as the page wrote it, for messages."""
    name = f"'{written}'"
    try:
        rel = path.relative_to(content_dir)
    except ValueError:
        return Refusal(
            f"{name} points outside content/", "only files under content/ can be published"
        )
    parts = rel.parts
    if not parts:
        return Refusal(f"{name} is the content folder", "link a page or an image")
    if any(part.startswith(".") for part in parts):
        return Refusal(
            f"{name} is a hidden file or in a hidden folder (a name starting with '.')",
            "hidden files are never published; rename it if clients may see it",
        )
    if parts[0].casefold() == PLAYBOOK:  # casefold: macOS and Windows ignore case
        return Refusal(
            f"{name} is in content/playbook/, which is internal",
            "move the file out of playbook/ if clients may see it",
        )
    current = content_dir
    for part in parts:
        current = current / part
        try:
            st = current.lstat()
        except FileNotFoundError:
            return Refusal(f"{name} not found", "check the path, relative to this file")
        except (OSError, ValueError):
            return Refusal(f"{name} cannot be read", "check the path, relative to this file")
        if stat.S_ISLNK(st.st_mode):
            return Refusal(
                f"{name} is reached through a symbolic link ({rel.as_posix()})",
                "the light site publishes real files only: copy the file instead of linking it",
            )
    if stat.S_ISDIR(st.st_mode):
        return Refusal(f"{name} is a folder", "link a page or an image in it")
    if not stat.S_ISREG(st.st_mode):
        return Refusal(f"{name} is not a regular file", "link an image file")
    if st.st_nlink > 1:
        return Refusal(
            f"{name} is a hard link (the same file has {st.st_nlink} names)",
            "the light site publishes files with one name only: copy the file instead",
        )
    return _kind_refusal(name, parts)


def _kind_refusal(name: str, parts: tuple[str, ...]) -> Refusal | None:
    suffix = Path(parts[-1]).suffix.lower()
    if suffix in RASTER or suffix == SVG_SUFFIX:
        return None
    images = f"the light site publishes images only ({KINDS})"
    if parts[-1].lower() in ROADMAP_DATA:
        return Refusal(
            f"{name} is a roadmap data file, internal by nature",
            "never link it from a public page: say in the page what clients may know",
        )
    if suffix in MARKDOWN:
        return Refusal(
            f"{name} is a Markdown file that is not a page: it would be published unchecked",
            "make it a page (a .md file under content/pages/) and link that",
        )
    if suffix in DATA:
        return Refusal(
            f"{name} is a data file: {images}",
            "show what clients may know in the page itself",
        )
    if suffix == ".pdf":
        return Refusal(
            f"{name} is a PDF: {images}",
            "a PDF can carry text and attachments nobody checks; export its pages as images, "
            "or link a published copy by its web address",
        )
    return Refusal(f"{name} is not an image: {images}", "export it as an image, or remove the link")


def clean(path: Path, written: str) -> Published:
    """The bytes the light site publishes for an image; raises Refusal when it cannot be read.

    Raster images are decoded and saved again from their pixels only (EXIF orientation applied,
    colours converted to sRGB): EXIF, XMP, ICC profiles, text chunks and comments are gone.
    Animations stay animated (frames and timing kept). SVGs are rebuilt element by element.
    """
    name = f"'{written}'"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Refusal(
                f"{name} is too large: over {MAX_FILE_BYTES // 1_000_000} MB",
                "publish a smaller image",
            )
        data = path.read_bytes()
    except OSError as e:
        raise Refusal(f"{name} cannot be read ({e.strerror})", "check the file") from None
    suffix = path.suffix.lower()
    if suffix == SVG_SUFFIX:
        return Published(clean_svg(data, name), SVG_SUFFIX)
    fmt = RASTER[suffix]
    return Published(clean_raster(data, fmt, name), OUT_SUFFIX[fmt])


# --- Raster images ------------------------------------------------------------------------------


def clean_raster(data: bytes, fmt: str, name: str) -> bytes:
    """`data` decoded as `fmt` and encoded again from its pixels alone."""
    broken = Refusal(
        f"{name} is truncated or corrupt: it cannot be read as a {fmt} image",
        "open it in an image editor and save it again",
    )
    too_large = Refusal(
        f"{name} is too large: over {MAX_PIXELS // 1_000_000} million pixels, or "
        f"{MAX_FRAMES} frames, to decode",
        "publish a smaller image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(OUT_SUFFIX)) as img:
                # MPO: a camera's JPEG with a second picture appended; the first is the photo.
                actual = "JPEG" if img.format == "MPO" else img.format
                if actual != fmt:
                    raise Refusal(
                        f"{name} is a {actual} image, not {fmt} as its name says",
                        f"rename it with the extension {OUT_SUFFIX.get(actual, '')}",
                    )
                frames = 1 if img.format == "MPO" else getattr(img, "n_frames", 1)
                if frames > MAX_FRAMES or img.width * img.height * frames > MAX_PIXELS:
                    raise too_large
                if frames > 1:
                    return _animation(img, fmt)
                return _save(_pixels(_upright(img)), fmt)
    except Refusal:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except UnidentifiedImageError:
        raise broken from None
    except Exception:  # OSError, SyntaxError, struct.error...: each decoder has its own ways
        raise broken from None  # of saying the bytes end early or do not add up


def _upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation before EXIF goes, so photos are not shown on their side."""
    try:
        return ImageOps.exif_transpose(img) or img
    except Exception:  # a broken EXIF block: the pixels as stored
        return img


def _pixels(img: Image.Image) -> Image.Image:
    """A new image holding `img`'s pixels, in sRGB, and nothing else (its info dict is empty)."""
    icc = img.info.get("icc_profile")
    alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if alpha else "RGB")
    if icc and img.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            img = ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"))
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: keep the pixels as they are
    if img.mode in ("LA", "RGBA"):
        # A fully transparent pixel still stores a colour: a name "erased" with the eraser of
        # an image editor would travel on under it. Nobody sees them: clear them.
        unseen = img.getchannel("A").point(lambda a: 255 if a == 0 else 0)
        img = img.copy()
        img.paste((0,) * len(img.mode), mask=unseen)
    return Image.frombytes(img.mode, img.size, img.tobytes())


def _save(img: Image.Image, fmt: str, **options) -> bytes:
    if fmt == "JPEG":
        if img.mode in ("LA", "RGBA"):
            img = img.convert(img.mode[:-1])
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=JPEG_QUALITY, method=4)
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def _animation(img: Image.Image, fmt: str) -> bytes:
    frames, durations = [], []
    for frame in ImageSequence.Iterator(img):
        durations.append(int(frame.info.get("duration", 100)) or 100)
        frames.append(_pixels(frame.convert("RGBA")))
    options = {"save_all": True, "append_images": frames[1:], "duration": durations}
    if "loop" in img.info:  # without it a GIF plays once
        options["loop"] = int(img.info["loop"])
    if fmt == "GIF":
        options["disposal"] = 2
    return _save(frames[0], fmt, **options)


# --- SVG ----------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# What a drawing needs: shapes, text, paint servers, clipping, filters. No scripts, no
# foreignObject (HTML inside), no animation (it can set any attribute), no metadata (RDF).
SVG_ELEMENTS = frozenset(
    """svg g defs symbol use title desc a switch view path rect circle ellipse line polyline
    polygon text tspan textPath linearGradient radialGradient stop pattern clipPath mask marker
    image style filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset
    fePointLight feSpecularLighting feSpotLight feTile feTurbulence""".split()  # noqa: SIM905
)
_RASTER_DATA = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp);base64,(.*)$", re.I | re.S)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_CSS_FUNCTION = re.compile(r"([a-zA-Z_-][\w-]*)\s*\(")
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
# CSS functions a drawing's style may call; anything else (image-set, src, element, local...)
# could fetch or name a resource.
_CSS_FUNCTIONS = frozenset(
    """url rgb rgba hsl hsla hwb lab lch oklab oklch color var calc min max clamp translate
    translatex translatey translate3d rotate rotatez scale scalex scaley skew skewx skewy
    matrix blur brightness contrast drop-shadow grayscale hue-rotate invert opacity saturate
    sepia linear-gradient radial-gradient cubic-bezier steps""".split()  # noqa: SIM905
)


def clean_svg(data: bytes, name: str) -> bytes:
    """An SVG rebuilt from the elements and attributes a drawing needs; text is kept.

    Parsed without entities or external references; scripts, event handlers, foreignObject,
    animation, metadata, comments, other namespaces' elements and attributes, and every
    reference outside the file (href, url(), @import) are dropped. Embedded raster images are
    re-encoded like any other.
    """
    if len(data) > MAX_SVG_BYTES:
        raise Refusal(
            f"{name} is too large: over {MAX_SVG_BYTES // 1_000_000} MB of SVG",
            "simplify the drawing, or export it as PNG",
        )
    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as e:
        raise Refusal(
            f"{name} is not a well-formed SVG ({type(e).__name__}: {e})"
            if not isinstance(e, DefusedXmlException)
            else f"{name} declares XML entities or external references",
            "export it again as a plain SVG (no DTD, no entities)",
        ) from None
    if _local(root.tag) != "svg" or _namespace(root.tag) not in ("", SVG_NS):
        raise Refusal(f"{name} is not an SVG image", "export it again as SVG")
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    try:
        clean_root = _element(root, name)
        assert clean_root is not None
        _write(clean_root, out, top=True)
    except RecursionError:
        raise Refusal(
            f"{name} nests its elements too deeply to be checked",
            "simplify the drawing, or export it as PNG",
        ) from None
    out.append("\n")
    return "".join(out).encode("utf-8")


_PREFIX = {"": "", XLINK_NS: "xlink:", XML_NS: "xml:"}


def _write(node: ET.Element, out: list[str], top: bool = False) -> None:
    """Serialise the cleaned tree: SVG elements, and attributes without a namespace or in
    xlink:/xml: (all that _element keeps), so no other prefix can appear."""
    tag = _local(node.tag)
    out.append(f"<{tag}")
    if top:
        out.append(f' xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"')
    for key, value in node.attrib.items():
        out.append(f" {_PREFIX[_namespace(key)]}{_local(key)}={quoteattr(value)}")
    out.append(">")
    out.append(escape(node.text or ""))
    for child in node:
        _write(child, out)
        out.append(escape(child.tail or ""))
    out.append(f"</{tag}>")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


# Elements a renderer draws, where `display` applies (not paint servers, clip paths, masks,
# markers or symbols, which are drawn where they are used, whatever their own display).
_DRAWN = frozenset(
    """svg g switch a use text tspan textPath path rect circle ellipse line polyline polygon
    image""".split()  # noqa: SIM905
)
_DECLARATION = re.compile(r"(?:^|;)\s*([\w-]+)\s*:\s*([^;]*)")


def _presentation(node: ET.Element, prop: str) -> str | None:
    """A presentation property as the element sets it: its style wins over its attribute."""
    value = node.get(prop)
    for m in _DECLARATION.finditer(_CSS_COMMENT.sub("", node.get("style") or "")):
        if m.group(1).lower() == prop:
            value = m.group(2)
    return value.replace("!important", "").strip().lower() if value is not None else None


def _element(node: ET.Element, name: str, hidden: bool = False) -> ET.Element | None:
    """The cleaned copy of `node`, or None. Exported drawings keep hidden layers and notes,
    which nobody sees: an element with `display: none` goes, and the text of one with
    `visibility: hidden` (inherited, until a descendant says `visible`) goes."""
    if not isinstance(node.tag, str) or _namespace(node.tag) not in ("", SVG_NS):
        return None
    local = _local(node.tag)
    if local not in SVG_ELEMENTS:
        return None
    if local in _DRAWN and _presentation(node, "display") == "none":
        return None
    visibility = _presentation(node, "visibility")
    if visibility is not None:
        hidden = visibility in ("hidden", "collapse") or (hidden and visibility != "visible")
    out = ET.Element(f"{{{SVG_NS}}}{local}")
    for key, value in node.attrib.items():
        kept = _attribute(key, value, name)
        if kept is not None:
            out.set(*kept)
    if local == "style":
        css = _safe_css(node.text or "")
        if css is None:
            return None
        out.text = css
        return out
    out.text = None if hidden else node.text
    last: ET.Element | None = None
    for child in node:
        kept = _element(child, name, hidden)
        tail = None if hidden else child.tail  # the text after a child is this one's
        if kept is not None:
            kept.tail = tail
            out.append(kept)
            last = kept
        elif tail:  # the text after a dropped element still belongs to this one
            if last is None:
                out.text = (out.text or "") + tail
            else:
                last.tail = (last.tail or "") + tail
    return out


def _attribute(key: str, value: str, name: str) -> tuple[str, str] | None:
    ns, local = _namespace(key), _local(key)
    if ns == XML_NS and local in ("space", "lang"):
        return key, value
    if ns == XLINK_NS and local == "href":
        href = _href(value, name)
        return (key, href) if href is not None else None
    if ns:
        return None  # inkscape:, sodipodi:, rdf:...: editor metadata
    lower = local.lower()
    if lower.startswith("on") or lower.startswith("data-") or lower in ("xml:base", "base"):
        return None
    if lower == "href":
        href = _href(value, name)
        return (local, href) if href is not None else None
    if lower == "style":
        css = _safe_css(value)
        return (local, css) if css is not None else None
    if "(" in value and _safe_css(value) is None:
        return None  # fill="url(https://...)" and the like
    return local, value


def _href(value: str, name: str) -> str | None:
    """A reference inside the file (#id), or an embedded raster image, cleaned; else None."""
    value = value.strip()
    if value.startswith("#"):
        return value
    m = _RASTER_DATA.match(value)
    if not m:
        return None
    fmt = "JPEG" if m.group(1).lower() in ("jpeg", "jpg") else m.group(1).upper()
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", m.group(2)), validate=True)
    except (binascii.Error, ValueError):
        return None
    cleaned = clean_raster(raw, fmt, f"{name} (an image inside it)")
    mime = "jpeg" if fmt == "JPEG" else fmt.lower()
    return f"data:image/{mime};base64," + base64.b64encode(cleaned).decode("ascii")


def _safe_css(css: str) -> str | None:
    """The style text without comments when it can fetch nothing outside the file, else None."""
    css = _CSS_COMMENT.sub("", css)
    lowered = css.lower()
    if "\\" in css or "@" in css or "<" in css or "javascript:" in lowered:
        return None  # escapes can spell anything; @import, @font-face load files
    for m in _CSS_FUNCTION.finditer(css):
        if m.group(1).lower() not in _CSS_FUNCTIONS:
            return None
    for m in _URL.finditer(css):
        if not m.group(2).strip().startswith("#"):
            return None
    if lowered.count("url(") != len(_URL.findall(css)):
        return None  # an url( the pattern above did not close
    return css
