import {
  GraphQLError,
  getOperationAST,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '@chirpchat/kit';

/**
 * The subscribe messages' documents, parsed (without source locations) and validated once per
 * distinct text: ten thousand members subscribing with the app's one document share one parsed
 * document, instead of one syntax tree per socket and the same validation ten thousand times.
 * The least recently used texts are dropped past `max`.
 */
/** A subscribe message's document, ready to run, or why it is refused. */
export type Prepared = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GraphQLError[] };

export class DocumentCache {
  private readonly documents = new Map<string, Prepared>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly max = 500,
  ) {}

  /** The document of `query`, or the errors that refuse it (syntax, validation, not a subscription). */
  get(query: string, operationName: string | null | undefined): Prepared {
    let found = this.documents.get(query);
    if (found) this.documents.delete(query);
    else found = this.prepare(query);
    this.documents.set(query, found);
    if (this.documents.size > this.max) this.documents.delete(this.documents.keys().next().value!);
    if (found.errors) return found;
    const operation = getOperationAST(found.document, operationName);
    if (!operation) return refused('Unable to identify operation');
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION)
      return refused('Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql.');
    return found;
  }

  private prepare(query: string): Prepared {
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch (error) {
      return { errors: [withCode(error instanceof GraphQLError ? error : new GraphQLError(String(error)), 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(this.schema, document, this.rules);
    return errors.length > 0 ? { errors: errors.map((error) => withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)) } : { document };
  }
}

/** The same error with an `extensions.code`, as Apollo Server gives it over HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

function refused(message: string): Prepared {
  return { errors: [new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })] };
}
