import type { JsonValue } from '../../session/session-store.js';
import type { ExagoParameter } from './parameter-schema.js';

/** A role a session starts with. */
export interface ExagoRoleInit {
  Id: string;
  IsActive?: boolean;
}

/** A named session configuration, as an Exago config file: session defaults plus starting roles and parameters. */
export interface ExagoSessionConfig {
  /** Defaults of the session content (Page, ApiAction, ExportType, ShowTabs, ShowErrorDetail, ...). */
  defaults?: {
    Page?: string;
    ApiAction?: string;
    ExportType?: string | null;
    ShowTabs?: boolean;
    ShowErrorDetail?: boolean;
    [field: string]: JsonValue | undefined;
  };
  roles?: readonly ExagoRoleInit[];
  parameters?: readonly Partial<ExagoParameter>[];
}

/** Options of the Exago API (`exagoApi()`). */
export interface ExagoApiOptions {
  /** Base path (default `/rest`). */
  base?: string;
  /** Named session configurations; the `config` parameter picks one. */
  configs?: Readonly<Record<string, ExagoSessionConfig>>;
  /** The configuration used without a `config` parameter (default `default`). */
  defaultConfig?: string;
  /** Page the session's AppUrl points at (default `ExagoHome.aspx`). */
  appPage?: string;
  /**
   * Also read a batch body sent as `application/x-www-form-urlencoded` as JSON text, as Exago's curl
   * example needs (default false); any other non-JSON type is still refused (415).
   */
  anyContentType?: boolean;
  /** Allow a `sid` parameter on the batch to run it in an existing session (default false). */
  allowExistingSession?: boolean;
  /** Most calls in one batch (default 10000). */
  maxSubRequests?: number;
}

/** The resolved options the Exago resources get from the container. */
export interface ResolvedExagoOptions {
  configs: ReadonlyMap<string, ExagoSessionConfig>;
  defaultConfig: string;
  appPage: string;
}

/** DI token of {@link ResolvedExagoOptions}. */
export const EXAGO_OPTIONS = Symbol.for('restbatch.exago.options');
