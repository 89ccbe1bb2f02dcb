import { type FieldSelection, selectAttributes } from './claim-fields.js';
import type { Link } from './claim-links.js';
import { type ClaimEntity, checksumOf } from './claim-store.js';
import type { ListQuery } from './list-query.js';

/** One entity as the claim API shows it: `{id, type, attributes, checksum, links}`. */
export interface EntityView {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  checksum: string;
  links: { self: Link };
}

/** One page of a list, Guidewire's collection shape. */
export interface ListView {
  /** Items on this page. */
  count: number;
  data: EntityView[];
  links: { self: Link; next?: Link; prev?: Link };
  /** Items in the whole list; only with `includeTotal=true`. */
  total?: number;
}

/** Methods that work on one entity of each type. */
const ENTITY_METHODS: Record<ClaimEntity['type'], string[]> = { Claim: ['get', 'patch'], Activity: ['get', 'patch'], Note: ['get'] };

/** The Guidewire-style representation of one entity. */
export function entityView(value: ClaimEntity, href: string, fields?: FieldSelection): EntityView {
  return {
    id: value.id,
    type: value.type,
    attributes: selectAttributes(value.id, value.attributes, fields),
    checksum: checksumOf(value),
    links: { self: { href, methods: [...ENTITY_METHODS[value.type]] } },
  };
}

/** What a list call asked for and where its collection lives. */
export interface PageRequest {
  readonly page: ListQuery;
  /** The `fields` parameter as given (kept in the paging links). */
  readonly fieldsParam: string | undefined;
  readonly fields: FieldSelection;
  /** The collection's href, without a query. */
  readonly href: string;
  /** The href of one item of the collection. */
  readonly itemHref: (value: ClaimEntity) => string;
}

/**
 * One page of `items` (a collection of `size` items): at most `pageSize` items from `pageOffset`,
 * walking past the skipped ones without copying the collection. `links.next` and `links.prev` point
 * at the neighbouring pages with the same `pageSize`, `fields` and `includeTotal`.
 */
export function listView(items: Iterable<ClaimEntity>, size: number, request: PageRequest): ListView {
  const { pageSize, pageOffset, includeTotal } = request.page;
  const data: EntityView[] = [];
  let index = 0;
  for (const value of items) {
    if (index >= pageOffset + pageSize) break;
    if (index >= pageOffset) data.push(entityView(value, request.itemHref(value), request.fields));
    index++;
  }
  const links: ListView['links'] = { self: pageLink(request, pageOffset, ['get', 'post']) };
  if (pageOffset + data.length < size) links.next = pageLink(request, pageOffset + pageSize);
  if (pageOffset > 0) links.prev = pageLink(request, Math.max(0, pageOffset - pageSize));
  const view: ListView = { count: data.length, data, links };
  if (includeTotal) view.total = size;
  return view;
}

function pageLink(request: PageRequest, offset: number, methods = ['get']): Link {
  const params: string[] = [];
  if (request.fieldsParam !== undefined) params.push(`fields=${encodeURIComponent(request.fieldsParam).replace(/%2C/gi, ',')}`);
  if (request.page.includeTotal) params.push('includeTotal=true');
  params.push(`pageSize=${request.page.pageSize}`);
  if (offset > 0) params.push(`pageOffset=${offset}`);
  return { href: `${request.href}?${params.join('&')}`, methods };
}
