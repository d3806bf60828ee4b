#ifndef STOCKSYNC_CRABBITMQ_H
#define STOCKSYNC_CRABBITMQ_H

// rabbitmq-c 0.11 (Debian 12) installs <amqp.h>; 0.12 and later install <rabbitmq-c/amqp.h>.
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#endif

// amqp_login is variadic (its SASL arguments), which Swift cannot call.
static inline amqp_rpc_reply_t crabbitmq_login_plain(amqp_connection_state_t state, const char *vhost,
                                                     int frame_max, int heartbeat,
                                                     const amqp_table_t *client_properties,
                                                     const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, 0, frame_max, heartbeat, client_properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// Table entries are tagged unions; building them here keeps Swift free of union layout.
static inline amqp_table_entry_t crabbitmq_entry_string(const char *key, amqp_bytes_t value) {
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = value;
    return entry;
}

static inline amqp_table_entry_t crabbitmq_entry_int(const char *key, int64_t value) {
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes(key);
    entry.value.kind = AMQP_FIELD_KIND_I64;
    entry.value.value.i64 = value;
    return entry;
}

#endif
