"""Commands ``depscreen text normalise``, ``text tokenize``, ``text detect`` and
``text filter-disclosure``.

    depscreen text normalise "Sooo tired!!!! https://t.co/x @ana" --emoji describe
    echo "gw gak bisa tidur" | depscreen text tokenize --lang id --stopwords
    depscreen text tokenize "我今天确诊了抑郁症" --lang zh --user-dict sogou.txt --json
    depscreen text detect "aku capek banget"
    depscreen text filter-disclosure mht.jsonl --out mht-filtered.jsonl --json disclosure.json

``normalise`` / ``tokenize`` / ``detect`` read TEXT or, without it, one text per line
from standard input, and write the result to standard output. ``filter-disclosure``
prints counts only, never post text.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer

from .root import app

# The text tools (jieba, Sastrawi, py3langid) are imported inside the commands, so that
# `depscreen --help` does not load them.

text_app = typer.Typer(
    help="Normalise, tokenise and detect the language of posts; remove self-disclosure posts.",
    no_args_is_help=True,
)
app.add_typer(text_app, name="text")


class Lang(str, Enum):
    auto = "auto"
    zh = "zh"
    en = "en"
    id = "id"


class EmojiMode(str, Enum):
    keep = "keep"
    describe = "describe"
    remove = "remove"


class HashtagMode(str, Enum):
    keep = "keep"
    strip = "strip"
    remove = "remove"


class Scope(str, Enum):
    mention = "mention"
    narrow = "narrow"


class NumberMode(str, Enum):
    keep = "keep"
    placeholder = "placeholder"
    remove = "remove"


def _console():
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    """The one error style of the command line (see cli/_common.fail)."""
    from ._common import fail

    fail(message)


def _texts(text: Optional[str]) -> Iterator[str]:
    if text is not None:
        yield text
        return
    if sys.stdin.isatty():
        _fail("give a TEXT argument or pipe texts on standard input (one per line)")
    for line in sys.stdin:
        yield line.rstrip("\n")


@text_app.command("normalise")
def normalise_cmd(
    text: Optional[str] = typer.Argument(None, help="The text; without it, one text per line from stdin."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="Language hint (zh: Weibo #topic# hashtags)."),
    emoji: EmojiMode = typer.Option(EmojiMode.keep, help="Keep emoji, describe them as :name:, or remove them."),
    hashtags: HashtagMode = typer.Option(HashtagMode.keep, help="#word kept, stripped to word, or removed."),
    numbers: NumberMode = typer.Option(NumberMode.keep, help="Numbers kept, replaced by <num>, or removed."),
    lowercase: bool = typer.Option(False, "--lowercase", help="Lower-case the output."),
    no_squeeze: bool = typer.Option(False, "--no-squeeze", help="Keep repeated characters as they are."),
) -> None:
    """Replace links, mentions, e-mails and phone numbers with placeholders; even out noise."""
    from ..text.normalise import normalise as _normalise

    code = None if lang in (None, Lang.auto) else lang.value
    for item in _texts(text):
        typer.echo(
            _normalise(
                item,
                lang=code,
                emoji=emoji.value,
                hashtags=hashtags.value,
                numbers=numbers.value,
                lowercase=lowercase,
                squeeze_repeats=not no_squeeze,
            )
        )


@text_app.command("tokenize")
def tokenize_cmd(
    text: Optional[str] = typer.Argument(None, help="The text; without it, one text per line from stdin."),
    lang: Lang = typer.Option(Lang.auto, "--lang", help="Language, or auto to detect it per text."),
    stopwords: bool = typer.Option(False, "--stopwords", help="Remove stopwords (negations and 'I' are kept)."),
    stem: bool = typer.Option(False, "--stem", help="Stem (id: Sastrawi; en: plural removal)."),
    no_slang: bool = typer.Option(False, "--no-slang", help="id: skip slang normalisation."),
    user_dict: Optional[Path] = typer.Option(None, "--user-dict", help="zh: jieba user dictionary file."),
    clean: bool = typer.Option(True, "--clean/--raw", help="Normalise (redact PII) before tokenising."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list per line instead of space-separated tokens."),
) -> None:
    """Tokenise texts (zh: jieba, en: regex, id: regex + slang + Sastrawi)."""
    from ..text.langdetect import detect_language
    from ..text.normalise import normalise as _normalise
    from ..text.tokenizers import tokenize as _tokenize

    if user_dict is not None and not user_dict.exists():
        _fail(f"user dictionary not found: {user_dict}")
    for item in _texts(text):
        code = detect_language(item) if lang == Lang.auto else lang.value
        if clean:
            item = _normalise(item, lang=code if code in ("zh", "en", "id") else None)
        tokens = _tokenize(
            item,
            code if code in ("zh", "en", "id") else "auto",
            stopwords=stopwords,
            stem=stem,
            slang=not no_slang,
            user_dict=str(user_dict) if user_dict else None,
        )
        typer.echo(json.dumps(tokens, ensure_ascii=False) if as_json else " ".join(tokens))


@text_app.command("detect")
def detect_cmd(
    text: Optional[str] = typer.Argument(None, help="The text; without it, one text per line from stdin."),
    languages: str = typer.Option("zh,en,id", metavar="LANG,LANG,...", help="Comma-separated candidate languages."),
) -> None:
    """Print the language of each text (an ISO code, or 'unknown')."""
    from ..text.langdetect import detect_language

    candidates = tuple(code.strip() for code in languages.split(",") if code.strip())
    try:
        for item in _texts(text):
            typer.echo(detect_language(item, languages=candidates))
    except ValueError as exc:
        _fail(str(exc))


@text_app.command("filter-disclosure")
def filter_disclosure_cmd(
    corpus_path: Path = typer.Argument(..., metavar="CORPUS", help="Canonical JSON Lines corpus."),
    out: Path = typer.Option(..., "--out", help="Where to write the filtered corpus."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="Only this language's patterns (default: all)."),
    report_json: Optional[Path] = typer.Option(None, "--json", help="Also write the report (counts) as JSON."),
    scope: Scope = typer.Option(
        Scope.mention, "--scope",
        help="mention: any post that mentions a diagnosis or depression; "
        "narrow: only first-person statements of one's own diagnosis.",
    ),
) -> None:
    """Remove self-disclosure posts ("I was diagnosed with depression", "我确诊抑郁症",
    "saya didiagnosis depresi") so user-level evaluation does not leak the label.

    Users left without posts are kept (and counted)."""
    from ..corpus.io import CorpusFormatError, read_jsonl, write_jsonl
    from ..text.selfdisclosure import filter_self_disclosure

    if not corpus_path.exists():
        _fail(f"{corpus_path}: no such file")
    try:
        corpus = read_jsonl(corpus_path)
    except CorpusFormatError as exc:
        _fail(str(exc))
    code = None if lang in (None, Lang.auto) else lang.value
    filtered, report = filter_self_disclosure(corpus, lang=code, scope=scope.value)
    write_jsonl(filtered, out)
    unit = "users" if corpus.level == "user" else "records"
    typer.echo(
        f"removed {report.posts_removed} of {report.posts_total} posts; "
        + (
            f"touched {report.users_touched} of {report.users_total} users "
            f"({report.users_emptied} left with no posts, kept)"
            if corpus.level == "user"
            else f"{len(filtered)} {unit} left"
        )
    )
    from rich.table import Table

    console = _console()
    table = Table(title=f"self-disclosure filter per label, scope {scope.value} (counts only)")
    for column in ("label", "users", "posts", "posts removed", "users touched", "users emptied"):
        table.add_column(column, justify="right")
    for label, c in sorted(report.per_label.items()):
        table.add_row(
            label, str(c["users"]), str(c["posts"]), str(c["posts_removed"]),
            str(c["users_touched"]), str(c["users_emptied"]),
        )
    console.print(table)
    if report_json is not None:
        report_json.parent.mkdir(parents=True, exist_ok=True)
        report_json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"wrote the report to {report_json}", highlight=False)
    console.print(f"wrote {out}", highlight=False)
