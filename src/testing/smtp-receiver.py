"""Test helper: an aiosmtpd SMTP server on 127.0.0.1 that offers STARTTLS (with the certificate
given) and requires it before MAIL, and writes each message it receives as JSON (envelope, whether
the session was under TLS, headers, and each MIME part decoded) to a directory. Prints
"READY <port>" once it listens; stops on SIGTERM.

usage: smtp-receiver.py <cert.pem> <key.pem> <out-dir>
"""
import asyncio, json, os, signal, socket, ssl, sys, uuid
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, out_dir):
        self.out_dir = out_dir

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            parts.append({"content_type": part.get_content_type(), "content": part.get_content()})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "subject": str(msg["subject"]),
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "parts": parts,
        }
        name = os.path.join(self.out_dir, uuid.uuid4().hex)
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name + ".json")
        return "250 Message accepted"


def main():
    cert, key, out_dir = sys.argv[1:4]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Recorder(out_dir), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
