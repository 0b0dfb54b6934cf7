/**
 * Horizon's problem documents (RFC 7807 with Horizon's `type` URLs), so clients' error handling is exercised
 * against the shapes the real service sends.
 */
export type Problem = { readonly status: number; readonly body: Record<string, unknown> }

const TYPE = 'https://stellar.org/horizon-errors/'

export function notFound(): Problem {
  return {
    status: 404,
    body: {
      type: `${TYPE}not_found`,
      title: 'Resource Missing',
      status: 404,
      detail:
        'The resource at the url requested was not found.  This usually occurs for one of two reasons:  The url requested is not valid, or no data in our database could be found with the parameters provided.',
    },
  }
}

export function badRequest(detail: string, invalidField?: string): Problem {
  return {
    status: 400,
    body: {
      type: `${TYPE}bad_request`,
      title: 'Bad Request',
      status: 400,
      detail,
      ...(invalidField ? { extras: { invalid_field: invalidField, reason: detail } } : {}),
    },
  }
}

export function malformed(envelope: string): Problem {
  return {
    status: 400,
    body: {
      type: `${TYPE}transaction_malformed`,
      title: 'Transaction Malformed',
      status: 400,
      detail:
        'Horizon could not decode the transaction envelope in this request. A transaction should be an XDR TransactionEnvelope struct encoded using base64.  The envelope read from this request is echoed in the `extras.envelope_xdr` field of this response for your convenience.',
      extras: { envelope_xdr: envelope },
    },
  }
}

export function transactionFailed(
  envelope: string,
  resultXdr: string,
  transaction: string,
  operations: readonly string[],
): Problem {
  return {
    status: 400,
    body: {
      type: `${TYPE}transaction_failed`,
      title: 'Transaction Failed',
      status: 400,
      detail:
        'The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this response contains further details.  Descriptions of each code can be found at: https://developers.stellar.org/docs/data/apis/horizon/api-reference/errors/result-codes/transactions',
      extras: {
        envelope_xdr: envelope,
        result_codes: { transaction, ...(operations.length > 0 ? { operations } : {}) },
        result_xdr: resultXdr,
      },
    },
  }
}

/** What a request gets when a test injected a failure with `ledger.failNext`. */
export function injected(status: 429 | 500 | 503 | 504): Problem {
  const [slug, title] =
    status === 429
      ? ['rate_limit_exceeded', 'Rate Limit Exceeded']
      : status === 500
        ? ['server_error', 'Internal Server Error']
        : status === 503
          ? ['stale_history', 'Historical DB Is Too Stale']
          : ['timeout', 'Timeout']
  return {
    status,
    body: { type: `${TYPE}${slug}`, title, status, detail: `injected by the test (${status})` },
  }
}
