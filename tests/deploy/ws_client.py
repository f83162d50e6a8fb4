#!/usr/bin/python3
"""tests/deploy: a small maptable WebSocket client for the deploy tests
(Debian's python3-websockets, protobuf's wire format written by hand, so no
Python protobuf package is needed).

    ws_client.py URL CA_FILE ROOM TOKEN [--resume EPOCH SEQ] [--say TEXT]...

Connects to URL (wss://localhost:PORT/v1/ws?room=ROOM, trusting only
CA_FILE; ws:// URLs need no CA, pass -), joins ROOM with TOKEN (resuming
from EPOCH, SEQ when given), sends each --say as a chat message and waits for
its ack. Prints, one per line:
    node <the X-Maptable-Node response header the proxy adds, or ->
    welcome epoch=<epoch> seq=<the room's seq> recovered=<0|1>
    chat <seq> <text>        for each message in the Welcome's recent chat
    ack <seq>                for each --say, in order
Exit status 0 when all of that arrived; 1 with "error <code> <message>"
when the server refused; 2 on a wrong command line.
"""
import asyncio
import secrets
import ssl
import sys
import warnings

import websockets

warnings.filterwarnings("ignore", category=DeprecationWarning)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def fields(data):
    """Yields (number, value) of one message: ints for varints, bytes for the rest."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 2:
            size, i = read_varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} not expected")
        yield number, value


def read_varint(data, i):
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def first(data, number, default=None):
    for n, v in fields(data):
        if n == number:
            return v
    return default


# A new client id per run: the server applies a (client id, request id) once,
# and every run numbers its requests from 1.
CLIENT_ID = "deploy-test-" + secrets.token_hex(8)


def join_message(room, token, resume):
    join = (field_bytes(1, room) + field_bytes(2, token) + field_bytes(3, CLIENT_ID) +
            field_varint(4, 1))
    if resume:
        join += field_bytes(5, field_bytes(1, resume[0]) + field_varint(2, resume[1]))
    return field_varint(1, 1) + field_bytes(10, join)


def chat_message(request_id, text):
    return field_varint(1, request_id) + field_bytes(14, field_bytes(1, text))


async def run(url, ca_file, room, token, resume, says):
    tls = None
    if url.startswith("wss://"):
        tls = ssl.create_default_context(cafile=ca_file)
    async with websockets.connect(url, ssl=tls, server_hostname="localhost" if tls else None,
                                  subprotocols=["maptable.v1"], max_size=None, open_timeout=30) as ws:
        print("node", ws.response_headers.get("X-Maptable-Node", "-"), flush=True)
        await ws.send(join_message(room, token, resume))
        pending = {}
        welcomed = False
        while not welcomed or pending:
            frame = await asyncio.wait_for(ws.recv(), timeout=30)
            if isinstance(frame, str):
                continue
            for number, message in fields(frame):
                if number != 1:
                    continue
                for kind, body in fields(message):
                    if kind == 1:  # Welcome
                        state = first(body, 2, b"")
                        recovered = first(body, 8, 0)
                        print(f"welcome epoch={first(body, 7, b'').decode()} seq={first(state, 2, 0)} "
                              f"recovered={int(bool(recovered))}", flush=True)
                        for n, chat in fields(state):
                            if n == 4:
                                print(f"chat {first(chat, 1, 0)} {first(chat, 4, b'').decode()}", flush=True)
                        welcomed = True
                        for i, text in enumerate(says):
                            pending[i + 2] = None
                            await ws.send(chat_message(i + 2, text))
                    elif kind == 2:  # Ack
                        request_id = first(body, 1, 0)
                        if request_id in pending:
                            pending[request_id] = first(body, 2, 0)
                    elif kind == 3:  # Error
                        print(f"error {first(body, 2, 0)} {first(body, 3, b'').decode()}", flush=True)
                        return 1
            if pending and all(seq is not None for seq in pending.values()):
                for request_id in sorted(pending):
                    print(f"ack {pending[request_id]}", flush=True)
                pending = {}
    return 0


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    url, ca_file, room, token = argv[1:5]
    resume, says = None, []
    rest = argv[5:]
    while rest:
        if rest[0] == "--resume" and len(rest) >= 3:
            resume, rest = (rest[1], int(rest[2])), rest[3:]
        elif rest[0] == "--say" and len(rest) >= 2:
            says.append(rest[1])
            rest = rest[2:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
    return asyncio.run(run(url, ca_file, room, token, resume, says))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
