/** DI token of the engine itself. */
export const ENGINE_TOKEN = Symbol.for('restbatch.engine');
/** DI token of the engine's session store. */
export const SESSION_STORE_TOKEN = Symbol.for('restbatch.session-store');
/** DI token of the Exago session configurations. */
export const SESSION_CONFIGS_TOKEN = Symbol.for('restbatch.session-configs');
