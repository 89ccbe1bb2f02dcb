import type { Engine } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import express, { type Express } from 'express';

/**
 * An Express app with the engine's APIs mounted by `app.use()`: the node:http handler of
 * `@restbatch/http` is Connect middleware, and passes paths outside the engine's APIs to `next()`.
 * The app's own routes parse JSON with `express.json()`. Mounted after it, the handler takes the
 * value `express.json()` already parsed (no second parse); mounted before it, as here for the
 * engine's paths, the engine reads the raw body itself, which keeps its own rules (single-quoted
 * JSON for Exago, Content-Type per endpoint) and its dialect's error bodies for bad JSON.
 */
export function createExpressApp(engine: Engine): Express {
  const app = express();
  app.use(createHttpHandler(engine));
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res.json({ echoed: req.body });
  });
  return app;
}

/** The same app with `express.json()` in front of the engine: the handler uses the parsed `req.body`. */
export function createExpressAppParsedFirst(engine: Engine): Express {
  const app = express();
  app.use(express.json());
  app.use(createHttpHandler(engine));
  return app;
}
