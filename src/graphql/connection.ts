/** A Relay connection's answer from a page of edges: what `customers`, `customerEvents` and `deliveries` return. */
export function connectionOf<N>(
  edges: { cursor: string; node: N }[],
  page: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    /** The end cursor of an empty page (the log's: where a consumer that polls goes on from); null by default. */
    emptyEndCursor?: string | null | undefined;
  },
) {
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? page.emptyEndCursor ?? null,
    },
  };
}
