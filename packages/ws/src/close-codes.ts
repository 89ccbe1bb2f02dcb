/** Close code when the server shuts down, or closes a connection that stayed idle. */
export const CLOSE_GOING_AWAY = 1001;
/** Close code for a client that breaks a per-connection rule: it does not read what it asked for, or floods messages. */
export const CLOSE_NOT_READING = 1008;
/** Close code for a client that floods messages (the same policy-violation code, named for the reader). */
export const CLOSE_MESSAGE_RATE = 1008;
