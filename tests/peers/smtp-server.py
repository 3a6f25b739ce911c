#!/usr/bin/python3
# An SMTP server on loopback for the tests: aiosmtpd (Debian's
# python3-aiosmtpd) with STARTTLS or implicit TLS and AUTH PLAIN/LOGIN,
# keeping each message it accepts.
#
#   smtp-server.py --dir DIR --port-file FILE [--port N]
#                  [--auth USER:PASS] [--starttls CERT,KEY] [--tls CERT,KEY]
#                  [--reject-rcpt ADDR]
#
# Each accepted message is written to DIR/N.eml, exactly as received
# (dots unstuffed), with DIR/N.json beside it: {"mail_from", "rcpt_to",
# "tls", "auth_user", "helo"}.  --auth requires a login before MAIL;
# --starttls requires STARTTLS before MAIL; --reject-rcpt refuses one
# recipient with 550.  The port (0: any free one) is written to the port
# file once the server listens.
import argparse
import asyncio
import json
import logging
import os
import socket
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, opts):
        self.opts = opts
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if self.opts.reject_rcpt and address == self.opts.reject_rcpt:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.opts.dir, str(self.n))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        user = None
        if session.authenticated and session.auth_data is not None:
            user = session.auth_data.login.decode()
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from,
                       "rcpt_to": envelope.rcpt_tos,
                       "tls": session.ssl is not None,
                       "auth_user": user,
                       "helo": session.host_name}, f)
        return "250 2.0.0 queued as %d" % self.n


class Server(SMTP):
    def connection_made(self, transport):
        super().connection_made(transport)
        # Implicit TLS: the connection is encrypted from the start.
        ssl_object = transport.get_extra_info("ssl_object")
        if self.session.ssl is None and ssl_object is not None:
            self.session.ssl = {"ssl_object": ssl_object}


def make_authenticator(spec):
    want_user, want_pw = spec.split(":", 1)

    def check(server, session, envelope, mechanism, auth_data):
        if (isinstance(auth_data, LoginPassword) and
                auth_data.login == want_user.encode() and
                auth_data.password == want_pw.encode()):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)
    return check


def context(pem):
    cert, key = pem.split(",", 1)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--auth")
    ap.add_argument("--starttls")
    ap.add_argument("--tls")
    ap.add_argument("--reject-rcpt")
    o = ap.parse_args()
    # Plain-text AUTH on loopback is what the tests want: no warnings.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(o.dir, exist_ok=True)
    handler = Handler(o)
    starttls = context(o.starttls) if o.starttls else None
    implicit = context(o.tls) if o.tls else None
    kw = {"hostname": "localhost", "ident": "test SMTP server",
          "auth_require_tls": False}
    if o.auth:
        kw["authenticator"] = make_authenticator(o.auth)
        kw["auth_required"] = True
    if starttls:
        kw["tls_context"] = starttls
        kw["require_starttls"] = True

    def factory():
        return Server(handler, **kw)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", o.port))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, sock=sock, ssl=implicit))
    tmp = o.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    os.rename(tmp, o.port_file)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
