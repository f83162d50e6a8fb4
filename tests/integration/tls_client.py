#!/usr/bin/python3
"""An independent wss:// client for the TLS test (Debian's python3-websockets).

    tls_client.py join URL CA_FILE JOIN_HEX
        Connects to URL (wss://127.0.0.1:PORT/v1/ws) trusting only CA_FILE,
        offers the subprotocol maptable.v1, sends the bytes JOIN_HEX as one
        binary message and prints, one per line:
            subprotocol <the subprotocol the server chose, or ->
            <hex of the first binary message received>
        Exit status 0 when a binary message arrived.

    tls_client.py old-tls URL CA_FILE
        Tries to connect with TLS 1.1 at most (and the client's own security
        level lowered so that it is willing to). Prints "refused: <reason>"
        and exits 0 when the handshake fails, prints "connected" and exits 1
        when the server accepted TLS 1.1.
"""
import asyncio
import socket
import ssl
import sys

import warnings

import websockets

warnings.filterwarnings("ignore", category=DeprecationWarning)


def context(ca_file):
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.check_hostname = True
    return ctx


async def join(url, ca_file, join_hex):
    async with websockets.connect(url, ssl=context(ca_file), server_hostname="localhost",
                                  subprotocols=["maptable.v1"], max_size=None, open_timeout=30) as ws:
        print("subprotocol", ws.subprotocol or "-", flush=True)
        await ws.send(bytes.fromhex(join_hex))
        while True:
            message = await asyncio.wait_for(ws.recv(), timeout=30)
            if isinstance(message, bytes):
                print(message.hex(), flush=True)
                return 0


def old_tls(url, ca_file):
    # A bare TLS handshake: whether the server agrees to TLS 1.1 is all that matters.
    host_port = url.split("://", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    ctx = context(ca_file)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                print("connected", tls.version(), flush=True)
                return 1
        except (ssl.SSLError, ConnectionError) as e:
            print("refused:", e, flush=True)
            return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "join":
        return asyncio.run(join(argv[2], argv[3], argv[4]))
    if len(argv) == 4 and argv[1] == "old-tls":
        return old_tls(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
