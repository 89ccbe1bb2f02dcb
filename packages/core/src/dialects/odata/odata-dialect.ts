import type { BatchResult, BatchSummary, Headers, SubResult } from '../../model/canonical.js';
import type { DecodeContext, DecodedBatch, Dialect, EncodeContext } from '../dialect.js';
import { decodeOdataBatch } from './decode-odata-batch.js';
import { refuseUnacceptable } from './odata-accept.js';
import { odataOpenApi } from './odata-openapi.js';
import { encodeOdataResult, odataErrorBody, type OdataResponseItem } from './encode-odata-result.js';
import { isOdataClient, ODATA_VERSION, odataFailurePolicy, refuseIsolation, refuseVersion } from './odata-preferences.js';

export type { OdataErrorBody, OdataResponseItem } from './encode-odata-result.js';

/** Options of {@link odataDialect}. */
export interface OdataDialectOptions {
  /** Most requests of one batch (default 20, as Microsoft Graph). */
  maxSubRequests?: number;
  /**
   * The language of the error messages, sent as `Content-Language` with every error answer and
   * every failed response object (Protocol §9.4: it "MUST contain the language code ... in which
   * the value for message is written"). Default `en`: the engine's own messages are English; set
   * it when your handlers write theirs in another language.
   */
  errorLanguage?: string;
}

/** An OData JSON batch response: `responses` first (§19.5), then our summary annotation. */
export interface OdataBatchResponse {
  responses: OdataResponseItem[];
  /** An OData instance annotation: clients that do not know it ignore it, as OData requires. */
  '@restbatch.summary': BatchSummary;
}

/** `OData-Version: 4.01` for a request from an OData client (one that named a version), else nothing. */
function versionHeader(headers: Readonly<Headers>): Headers {
  return isOdataClient(headers) ? { 'odata-version': ODATA_VERSION } : {};
}

/**
 * OData 4.01 JSON batch (OData JSON Format 4.01 §19), as Microsoft Graph JSON batching speaks it
 * too: `POST <api>/$batch` with `{"requests": [{id, method, url, headers, body, dependsOn,
 * atomicityGroup, if}]}`, answered by `{"responses": [{id, atomicityGroup?, status, headers, body}],
 * "@restbatch.summary": {succeeded, failed, skipped}}`, the responses in request order. Every
 * request runs according to its dependencies unless `Prefer: continue-on-error=false` (§19.4).
 * See docs/dialects.md for each rule and every deliberate deviation.
 */
export function odataDialect(options: OdataDialectOptions = {}): Dialect {
  const language = options.errorLanguage ?? 'en';
  return {
    name: 'odata',
    defaults: { maxSubRequests: options.maxSubRequests ?? 20 },

    decode(body: unknown, context: DecodeContext): DecodedBatch {
      refuseVersion(context.headers);
      refuseIsolation(context.headers);
      refuseUnacceptable(context.headers, context.query);
      return { requests: decodeOdataBatch(body, context), onFail: odataFailurePolicy(context.headers.prefer) };
    },

    encode(result: BatchResult, context?: EncodeContext): OdataBatchResponse {
      const { succeeded, failed, skipped } = result.summary;
      // Readers such as .NET's OData library want `responses` first; annotations follow it.
      const responses = result.results.map((r) => encodeOdataResult(r, context, language));
      return { responses, '@restbatch.summary': { succeeded, failed, skipped } };
    },

    encodeResult: (result: SubResult, context?: EncodeContext) => encodeOdataResult(result, context, language),

    encodeError: odataErrorBody,
    errorLanguage: language,
    openapi: odataOpenApi,

    headers(_result: BatchResult, context?: EncodeContext): Headers {
      return context !== undefined ? versionHeader(context.headers) : {};
    },

    // Protocol §8.1.5: "MUST include the OData-Version header on a response", a refusal too,
    // whoever refused the batch (the dialect, the engine's checks, a limit, a transport).
    answerHeaders: versionHeader,
  };
}
