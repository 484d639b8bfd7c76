"""Mental-Health-Twitter (Kaggle "Depression: Twitter Dataset"), read at the user level.

Columns: ``,post_id,post_created,post_text,user_id,followers,friends,favourites,
statuses,retweets,label``. Tweets are grouped by ``user_id`` and ordered by time
(``post_created`` is the Twitter API format, converted to ISO 8601 UTC). The label is
constant per user upstream; a user whose rows disagree keeps the majority label and
the conflict is counted. Profile counts (followers, friends, favourites, statuses) of
the user's latest row go to ``user.meta``; retweets to ``post.meta``.

Beware: depressed users' timelines hold their own diagnosis tweets (label leakage),
and depressed users tweet 2009-2016 with http:// links while controls tweet 2016-2017
with https:// ones. Run ``depscreen data inspect`` and the self-disclosure filter.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> users = read_source(None, "mental-health-twitter")  # doctest: +SKIP
>>> len(users), users.label_counts()  # doctest: +SKIP
(72, Counter({1: 54, 0: 18}))
"""

from __future__ import annotations

from pathlib import Path

from ..types import Post, ReadReport, UserCorpus
from ._common import UserBuilder, coerce_label, iter_csv, parse_time, resolve_source, take_text

_PROFILE = ("followers", "friends", "favourites", "statuses")


def read_mental_health_twitter(
    source: str | Path | None = None,
    *,
    encoding: str = "utf-8-sig",
    drop_duplicate_posts: bool = False,
    keep_empty_users: bool = False,
) -> UserCorpus:
    """Mental-Health-Twitter CSV -> users (1 depressed / 0 not), tweets time-ordered.

    The public copy repeats some rows (same ``post_id`` and text for the same user).
    They are kept as the source has them unless ``drop_duplicate_posts`` is set, in
    which case each repeat is skipped and counted.
    """
    path = resolve_source(
        source,
        "en/mental-health-twitter/Mental-Health-Twitter.csv",
        patterns=("Mental-Health-Twitter.csv", "*.csv"),
    )
    report = ReadReport(source=str(path))
    builder = UserBuilder(report, keep_empty=keep_empty_users)
    seen: set[tuple[str, str, str]] = set()
    latest: dict[str, str] = {}
    required = ("post_id", "post_created", "post_text", "user_id", "label")
    for where, row in iter_csv(path, report, encoding=encoding, required=required):
        uid = row["user_id"].strip()
        if not uid:
            report.skip("missing user id", f"{where} field 'user_id'")
            continue
        builder.add_user(uid, where)
        label = coerce_label(row["label"])
        if label is None:
            report.skip("missing label", f"{where} field 'label'")
            continue
        text = take_text(row["post_text"], report, where, "post_text")
        if text is None:
            builder.add_label(uid, label)
            continue
        post_id = row["post_id"].strip() or None
        if drop_duplicate_posts:
            key = (uid, post_id or "", text)
            if key in seen:
                report.skip("duplicate post (same user, id and text)", f"{where} field 'post_id'")
                builder.add_label(uid, label)
                continue
            seen.add(key)
        time = parse_time(row["post_created"], report, where, "post_created")
        meta = {}
        retweets = coerce_label(row.get("retweets"))
        if isinstance(retweets, int):
            meta["retweets"] = retweets
        builder.add_post(uid, Post(text=text, time=time, id=post_id, meta=meta), label, where)
        if time and time >= latest.get(uid, ""):
            latest[uid] = time
            profile = {k: coerce_label(row.get(k)) for k in _PROFILE}
            builder.add_user(uid, where, {k: v for k, v in profile.items() if isinstance(v, int)})
    return builder.build("mental-health-twitter", path)
