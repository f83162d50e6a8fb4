/*
 * The C++-level peer server for bench/ (round two): the same wire behaviour as
 * bench/peers/ws-broadcast (the `ws` relay), written in C on libwebsockets
 * (Debian's libwebsockets-dev; uWebSockets, the peer the issue names, is not
 * packaged). A client connects to ws://HOST:PORT/<room>; every message it
 * sends is sent to every other open client of the same room. No compression,
 * no validation, no sequencing, no storage: the floor a native server gives.
 *
 * One service thread, like one uWebSockets app. Each received message is
 * copied once into a reference-counted buffer with LWS_PRE bytes of headroom;
 * every member's queue points at that buffer, so the fan-out allocates one
 * buffer per message, not one per member. Server frames are unmasked, so the
 * header lws writes into the headroom is the same for every member.
 *
 * usage: lws-broadcast [--port P] [--host H] [--ping-interval S] [--per-frame]
 *                      [--rx-buffer BYTES]
 * Prints "lws-broadcast listening on HOST:PORT" on stdout once listening
 * (--port 0 picks a free port). --ping-interval S pings a connection idle for
 * S seconds and drops it when nothing valid arrived for 2 S + 5 s (lws's
 * idle policy), so an idle run pays for pings as the other servers do.
 * --rx-buffer BYTES (512): lws's receive buffer per connection; a larger
 * message arrives in pieces and is put together here. 4096, lws's default,
 * holds 5.3 KiB per idle connection where 512 holds 2.1 KiB.
 *
 * Built by bench/setup.sh (not by the project's CMake: CI does not need it).
 */
#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A received message, shared by the queues of every member it goes to. */
struct message {
    int refs;
    size_t len;
    unsigned char bytes[]; /* LWS_PRE bytes of headroom, then the payload */
};

struct room;

/* One connection (lws's per-session user data, zeroed by lws). */
struct session {
    struct lws* wsi;
    struct room* room;
    struct session* next_in_room;
    struct message** queue; /* ring of messages waiting to be written */
    size_t queue_cap, queue_head, queue_len;
    unsigned char* partial; /* a fragmented message being received */
    size_t partial_len, partial_cap;
};

struct room {
    struct room* next;
    struct session* members;
    char name[];
};

static struct room* rooms;
static volatile sig_atomic_t stopping;
static struct lws_context* context;

static void message_release(struct message* m)
{
    if (--m->refs == 0)
        free(m);
}

static struct room* room_of(const char* name)
{
    for (struct room* r = rooms; r; r = r->next)
        if (!strcmp(r->name, name))
            return r;
    struct room* r = calloc(1, sizeof *r + strlen(name) + 1);
    if (!r)
        return NULL;
    strcpy(r->name, name);
    r->next = rooms;
    rooms = r;
    return r;
}

static void room_leave(struct session* s)
{
    struct room* r = s->room;
    if (!r)
        return;
    for (struct session** p = &r->members; *p; p = &(*p)->next_in_room)
        if (*p == s) {
            *p = s->next_in_room;
            break;
        }
    s->room = NULL;
    if (r->members)
        return;
    for (struct room** p = &rooms; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    free(r);
}

static int queue_push(struct session* s, struct message* m)
{
    if (s->queue_len == s->queue_cap) {
        size_t cap = s->queue_cap ? 2 * s->queue_cap : 8;
        struct message** q = malloc(cap * sizeof *q);
        if (!q)
            return -1;
        for (size_t i = 0; i < s->queue_len; i++)
            q[i] = s->queue[(s->queue_head + i) % s->queue_cap];
        free(s->queue);
        s->queue = q;
        s->queue_cap = cap;
        s->queue_head = 0;
    }
    s->queue[(s->queue_head + s->queue_len++) % s->queue_cap] = m;
    m->refs++;
    return 0;
}

static struct message* queue_pop(struct session* s)
{
    struct message* m = s->queue[s->queue_head];
    s->queue_head = (s->queue_head + 1) % s->queue_cap;
    s->queue_len--;
    return m;
}

static void session_free(struct session* s)
{
    room_leave(s);
    while (s->queue_len)
        message_release(queue_pop(s));
    free(s->queue);
    free(s->partial);
    s->queue = NULL;
    s->partial = NULL;
    s->queue_cap = s->queue_len = s->partial_cap = s->partial_len = 0;
}

/* A whole message from s: one shared copy, queued for every other member. */
static void broadcast(struct session* s, const void* data, size_t len)
{
    struct message* m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        return;
    m->refs = 1; /* held while queuing */
    m->len = len;
    memcpy(m->bytes + LWS_PRE, data, len);
    for (struct session* peer = s->room->members; peer; peer = peer->next_in_room) {
        if (peer == s)
            continue;
        if (queue_push(peer, m) == 0)
            lws_callback_on_writable(peer->wsi);
    }
    message_release(m);
}

static int receive(struct session* s, struct lws* wsi, const void* in, size_t len)
{
    const int whole = lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) && !s->partial_len;
    if (whole) {
        broadcast(s, in, len);
        return 0;
    }
    if (s->partial_len + len > s->partial_cap) {
        size_t cap = s->partial_cap ? s->partial_cap : 4096;
        while (cap < s->partial_len + len)
            cap *= 2;
        unsigned char* p = realloc(s->partial, cap);
        if (!p)
            return -1;
        s->partial = p;
        s->partial_cap = cap;
    }
    memcpy(s->partial + s->partial_len, in, len);
    s->partial_len += len;
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
        broadcast(s, s->partial, s->partial_len);
        s->partial_len = 0;
    }
    return 0;
}

/* One service thread: the corked frames of one writable callback are built here. */
static unsigned char cork[LWS_PRE + 64 * 1024];
static int per_frame; /* --per-frame: one lws_write per message, lws's framing */

/* An unmasked server frame (FIN, binary): its header, written before payload. */
static size_t frame_header(unsigned char* out, size_t len)
{
    out[0] = 0x82;
    if (len < 126) {
        out[1] = (unsigned char)len;
        return 2;
    }
    if (len < 65536) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; i++)
        out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

/*
 * Writes what is queued. By default corked, as uWebSockets does: the frames
 * waiting for this member are framed into one buffer and written with one
 * send (lws_write with LWS_WRITE_RAW sends bytes as they are; lws keeps what
 * the socket did not take and sends it before the next writable callback).
 * With --per-frame: one lws_write per message until the socket would block.
 */
static int write_queued(struct session* s, struct lws* wsi)
{
    if (!per_frame) {
        size_t used = 0;
        while (s->queue_len) {
            struct message* m = s->queue[s->queue_head];
            if (used && used + 10 + m->len > sizeof cork - LWS_PRE)
                break;
            if (10 + m->len > sizeof cork - LWS_PRE) { /* too big to cork: framed by lws */
                queue_pop(s);
                const int n = lws_write(wsi, m->bytes + LWS_PRE, m->len, LWS_WRITE_BINARY);
                message_release(m);
                if (n < 0)
                    return -1;
                break;
            }
            queue_pop(s);
            used += frame_header(cork + LWS_PRE + used, m->len);
            memcpy(cork + LWS_PRE + used, m->bytes + LWS_PRE, m->len);
            used += m->len;
            message_release(m);
        }
        if (used && lws_write(wsi, cork + LWS_PRE, used, LWS_WRITE_RAW) < 0)
            return -1;
    } else {
        while (s->queue_len) {
            struct message* m = queue_pop(s);
            /* A short write is kept by lws and finished before the next writable callback. */
            const int n = lws_write(wsi, m->bytes + LWS_PRE, m->len, LWS_WRITE_BINARY);
            message_release(m);
            if (n < 0)
                return -1;
            if (lws_send_pipe_choked(wsi))
                break;
        }
    }
    if (s->queue_len)
        lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws* wsi, enum lws_callback_reasons reason, void* user, void* in, size_t len)
{
    struct session* s = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED: {
        char uri[256];
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0)
            return -1;
        s->wsi = wsi;
        s->room = room_of(uri);
        if (!s->room)
            return -1;
        s->next_in_room = s->room->members;
        s->room->members = s;
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: return s->room ? receive(s, wsi, in, len) : 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: return write_queued(s, wsi);
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (s)
            session_free(s);
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* rx_buffer_size is set from --rx-buffer in main: lws keeps a buffer of that
 * size per connection, which is most of what an idle connection holds. */
static struct lws_protocols protocols[] = {
    {"broadcast", callback, sizeof(struct session), 512, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    if (context)
        lws_cancel_service(context);
}

static const char* option(int argc, char** argv, const char* name, const char* fallback)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return fallback;
}

int main(int argc, char** argv)
{
    const char* host = option(argc, argv, "--host", "127.0.0.1");
    const int port = atoi(option(argc, argv, "--port", "8091"));
    const int ping = atoi(option(argc, argv, "--ping-interval", "0"));
    for (int i = 1; i < argc; i++)
        per_frame |= !strcmp(argv[i], "--per-frame");
    protocols[0].rx_buffer_size = (size_t)atoi(option(argc, argv, "--rx-buffer", "512"));

    lws_set_log_level(LLL_ERR, NULL);
    static lws_retry_bo_t idle_policy;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = host;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    if (ping > 0) {
        idle_policy.secs_since_valid_ping = (uint16_t)ping;
        idle_policy.secs_since_valid_hangup = (uint16_t)(2 * ping + 5);
        info.retry_and_idle_policy = &idle_policy;
    }
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "lws-broadcast: could not create the context\n");
        return 1;
    }
    struct lws_vhost* vhost = lws_get_vhost_by_name(context, "default");
    printf("lws-broadcast listening on %s:%d\n", host, vhost ? lws_get_vhost_listen_port(vhost) : port);
    fflush(stdout);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stopping && lws_service(context, 0) >= 0)
        ;
    lws_context_destroy(context);
    return 0;
}
