#ifndef SMARTMETER_CMICROHTTPD_SHIM_H
#define SMARTMETER_CMICROHTTPD_SHIM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic, which Swift cannot call: one daemon on a socket we bound, a thread per connection
   (a blocking Server-Sent Events stream then holds only its own thread), bounded connections, idle time, request
   memory and thread stacks. */
static inline struct MHD_Daemon *smartmeter_mhd_start(int listen_socket, unsigned int connection_limit,
                                                      unsigned int idle_timeout_seconds, size_t request_memory,
                                                      size_t thread_stack_size, MHD_AccessHandlerCallback handler,
                                                      void *handler_context, MHD_RequestCompletedCallback completed,
                                                      void *completed_context) {
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                            0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_socket,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, request_memory,
                            MHD_OPTION_THREAD_STACK_SIZE, thread_stack_size,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_END);
}

/* The peer's address of a connection (NULL when MHD does not know it). */
static inline const struct sockaddr *smartmeter_mhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/* The content reader's "no more data" and "abort" results (macros of casts Swift does not import). */
static inline ssize_t smartmeter_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t smartmeter_mhd_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
#endif
