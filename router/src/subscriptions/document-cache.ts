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

/** A subscribe message's document, ready to run, or why it is refused. */
export type Prepared = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GraphQLError[] };

/** At most this many errors for one document, the last saying that validation stopped there (as over HTTP). */
export const MAX_VALIDATION_ERRORS = 100;

export interface DocumentCacheOptions {
  /** Leave "Did you mean …?" out of validation errors, as Apollo Server does over HTTP in production. @default false */
  hideSuggestions?: boolean;
  /** Texts kept; the least recently used are dropped past this. @default 500 */
  max?: number;
  /** Lexical tokens a document may have; a longer one is refused while it is parsed. @default no limit */
  maxTokens?: number;
}

/**
 * The subscribe messages' documents, parsed (without source locations) and validated once per
 * distinct text: ten thousand members subscribing with the app's one document share one parsed
 * document, instead of one syntax tree per socket and the same validation ten thousand times.
 */
export class DocumentCache {
  private readonly documents = new Map<string, Prepared>();
  private readonly hideSuggestions: boolean;
  private readonly max: number;
  private readonly maxTokens: number | undefined;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    options: DocumentCacheOptions = {},
  ) {
    this.hideSuggestions = options.hideSuggestions ?? false;
    this.max = options.max ?? 500;
    this.maxTokens = options.maxTokens;
  }

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
      document = parse(query, { noLocation: true, ...(this.maxTokens ? { maxTokens: this.maxTokens } : {}) });
    } catch (error) {
      return { errors: [withCode(error instanceof GraphQLError ? error : new GraphQLError(String(error)), 'GRAPHQL_PARSE_FAILED')] };
    }
    const errors = validate(this.schema, document, this.rules, { maxErrors: MAX_VALIDATION_ERRORS - 1 });
    if (errors.length === 0) return { document };
    return {
      errors: errors.map((error) =>
        withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED, this.hideSuggestions ? withoutSuggestion(error.message) : error.message),
      ),
    };
  }
}

/** The same error with an `extensions.code`, as Apollo Server gives it over HTTP. */
function withCode(error: GraphQLError, code: string, message = error.message): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

/** The message without graphql-js's suggestion of names in the schema (Apollo Server's own rule for it). */
function withoutSuggestion(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}

function refused(message: string): Prepared {
  return { errors: [new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })] };
}
