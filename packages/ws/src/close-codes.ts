/** Close code when the server shuts down, or closes a connection that stayed idle. */
export const CLOSE_GOING_AWAY = 1001;
/** Close code for a client that does not read what it asked for (policy violation). */
export const CLOSE_NOT_READING = 1008;
/** Close code for a client that floods messages, with the reason `message rate` (policy violation, as above). */
export const CLOSE_MESSAGE_RATE = 1008;
/** Close code when a message already begun (its first fragments sent) cannot be finished: its JSON failed midway. */
export const CLOSE_INTERNAL_ERROR = 1011;
