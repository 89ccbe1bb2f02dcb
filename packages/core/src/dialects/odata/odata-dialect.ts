import type { BatchResult, BatchSummary, Headers, SubResult } from '../../model/canonical.js';
import type { DecodeContext, DecodedBatch, Dialect, EncodeContext } from '../dialect.js';
import { decodeOdataBatch } from './decode-odata-batch.js';
import { refuseUnacceptable } from './odata-accept.js';
import { odataOpenApi } from './odata-openapi.js';
import { encodeOdataResult, odataErrorBody, type OdataResponseItem } from './encode-odata-result.js';
import {
  ODATA_JSON_TYPE,
  ODATA_VERSION,
  odataCallHeaders,
  odataFailurePolicy,
  refuseIsolation,
  refuseVersion,
} from './odata-preferences.js';

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

/**
 * `OData-Version: 4.01` on every answer of the batch endpoint, whether or not the request named a
 * version (Protocol §8.1.5: "OData services MUST include the OData-Version header on a response";
 * Microsoft Graph answers one too, and its clients ignore it).
 */
function versionHeader(): Headers {
  return { 'odata-version': ODATA_VERSION };
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
    defaults: {
      maxSubRequests: options.maxSubRequests ?? 20,
      // A per-operation precondition (a stale checksum answers 409), treated as If-Match is: not passed
      // down, so an outer one refuses the batch (checkOuterPreconditions) instead of guarding every request.
      nonInheritedHeaders: ['GW-Checksum'],
      // Protocol §11.7: a batch whose headers are valid is answered 200; `{"requests": []}` is `{"responses": []}`.
      allowEmpty: true,
    },

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

    // JSON §4.1: the JSON answer names its metadata (see ODATA_JSON_TYPE); a streamed answer is NDJSON.
    headers: () => ({ ...versionHeader(), 'content-type': ODATA_JSON_TYPE }),

    // Protocol §8.1.5: "MUST include the OData-Version header on a response", a refusal and a
    // streamed head too, whoever refused the batch (the dialect, the engine's checks, a limit, a transport).
    answerHeaders: versionHeader,
    // A refusal's body is JSON too (JSON §4.1).
    errorHeaders: () => ({ 'content-type': ODATA_JSON_TYPE }),
    // An API whose errors are OData's is an OData service in its ordinary calls as well.
    callHeaders: odataCallHeaders,
  };
}
