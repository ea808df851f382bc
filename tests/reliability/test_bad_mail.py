"""A MIME torture set, delivered as raw RFC 822 to the real server: each mail is triaged or
skipped with an event; no job fails by crashing and the process never restarts.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from reliability_support import OWNER, running_stack  # type: ignore[import-not-found]

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

HEAD = b"From: Alice <alice@example.org>\r\nTo: owner@example.com\r\nMIME-Version: 1.0\r\n"


def _nested(depth: int) -> bytes:
    if depth == 0:
        return b"Content-Type: text/plain; charset=utf-8\r\n\r\nDeep inside: can you help?\r\n"
    boundary = f"b{depth}".encode()
    return (
        b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
        b"--" + boundary + b"\r\n" + _nested(depth - 1) + b"\r\n"
        b"--" + boundary + b"--\r\n"
    )


def torture_set() -> dict[str, bytes]:
    plain = b"Content-Type: text/plain; charset=utf-8\r\n"
    big = ("Could you read all of this? " + "lorem ipsum dolor sit amet " * 40 + "\r\n") * 4600
    pdf = base64.encodebytes(b"%PDF-1.4 not really" * 50)
    return {
        "nested 5 deep": HEAD + b"Subject: nested\r\n" + _nested(5),
        "broken base64": HEAD
        + b"Subject: broken base64\r\n"
        + plain
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + b"SGVsbG8gd29y!!!bGQ=*&^\r\nnot base64 at all ===\r\n",
        "unknown charset": HEAD
        + b"Subject: unknown charset\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        + "Dobrý den, můžete?".encode()
        + b"\r\n",
        "latin-1 labelled utf-8": HEAD
        + b"Subject: wrong label\r\n"
        + plain
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Grüße, können Sie mir helfen?".encode("latin-1")
        + b"\r\n",
        "5 MB body": HEAD + b"Subject: huge\r\n" + plain + b"\r\n" + big.encode(),
        "empty body": HEAD + b"Subject: empty\r\n" + plain + b"\r\n",
        "missing From": b"To: owner@example.com\r\nSubject: who am I?\r\n" + plain + b"\r\nHi?\r\n",
        "missing Subject": HEAD + plain + b"\r\nNo subject here, can you reply?\r\n",
        "NUL in a header": HEAD
        + b"Subject: nul \x00 inside\r\nX-Odd: a\x00b\r\n"
        + plain
        + b"\r\nHello?\r\n",
        "overlong header": HEAD
        + b"Subject: long\r\nX-Long: "
        + b"x" * 20000
        + b"\r\n"
        + plain
        + b"\r\nHello?\r\n",
        "html only with scripts": HEAD
        + b"Subject: html only\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + b"<html><head><script>alert('x')</script><style>p{}</style></head>"
        + b"<body><p>Can we meet <b>Tuesday</b>?</p><script>steal()</script></body></html>\r\n",
        "attachment only": HEAD
        + b"Subject: attachment only\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        + b"Content-Disposition: attachment; filename=a.pdf\r\n"
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + pdf,
        "8-bit headers": "From: Jiří Šťastný <jiri@example.cz>\r\nTo: owner@example.com\r\n"
        "Subject: Žádost o schůzku – můžete?\r\nMIME-Version: 1.0\r\n".encode()
        + plain
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Dobrý den, můžeme se sejít?".encode()
        + b"\r\n",
    }


def test_mime_torture_set_is_triaged_or_skipped_without_crashing(tmp_path: Path) -> None:
    with running_stack(tmp_path) as stack:
        server = stack.start()
        pid = server.process.pid if server.process else None
        threads = {
            name: stack.emulator.state.deliver(OWNER, raw=raw).thread_id
            for name, raw in torture_set().items()
        }
        stack.sync()
        stack.wait_drained()

        emails = stack.emails()
        events = stack.rows("SELECT thread_id, event_type FROM email_events")
        seen = {(row["thread_id"], row["event_type"]) for row in events}
        unhandled = [
            name
            for name, thread in threads.items()
            if not (
                (thread in emails and (thread, "classified") in seen)
                or (thread, "skipped") in seen
                or (thread, "parse_error") in seen
            )
        ]
        assert unhandled == [], f"neither triaged nor skipped with an event: {unhandled}"
        # What could not be read is said, next to the classification made without it.
        unreadable = stack.rows(
            "SELECT detail FROM email_events WHERE event_type = 'parse_error' AND thread_id = ?",
            threads["unknown charset"],
        )
        assert [row["detail"] for row in unreadable] == [
            "part '': charset x-unknown: decoded as utf-8"
        ], [dict(row) for row in unreadable]
        assert (threads["unknown charset"], "classified") in seen

        failed = stack.rows(
            "SELECT job_type, thread_id, last_error FROM jobs WHERE status='failed'"
        )
        assert failed == [], [dict(row) for row in failed]
        retried = stack.rows("SELECT thread_id, attempts FROM jobs WHERE attempts > 1")
        assert retried == [], [dict(row) for row in retried]  # no crash loop, no retry storm
        # Scripts of the HTML-only mail never reach a prompt.
        assert not any("steal()" in r.user or "alert(" in r.user for r in stack.fake.requests)
        assert server.process is not None and server.process.pid == pid
        assert server.process.poll() is None
        assert stack.emulator.calls()["safety_violations"] == 0
