import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import type { ValidationRule } from 'graphql';

/** What one operation may ask for, over HTTP and WebSocket alike (graphql-armor's protections). */
export interface OperationLimits {
  /** Deepest selection nesting, fragments spread in. @default 12 */
  maxDepth?: number;
  /** Aliased fields in the whole document. @default 30 */
  maxAliases?: number;
  /** Directives in the whole document. @default 50 */
  maxDirectives?: number;
  /** Lexical tokens in the document's text, counted before it is parsed into a tree. @default 2000 */
  maxTokens?: number;
  /** graphql-armor's cost (objects 2, scalars 1, ×1.5 per level), fragments spread in. @default 5000 */
  maxCost?: number;
}

/** The limits in force when an option is not given (see the README's "Limits"). */
export const DEFAULT_LIMITS: Required<OperationLimits> = {
  maxDepth: 12,
  maxAliases: 30,
  maxDirectives: 50,
  maxTokens: 2000,
  maxCost: 5000,
};

/** How the router applies the limits: Apollo Server's plugins and rules for HTTP, the same rules and token count for subscribe messages. */
export interface OperationProtection {
  /** Validation rules for Apollo Server and for subscribe documents (DocumentCache). */
  validationRules: ValidationRule[];
  /** Apollo Server plugins (the token count, which runs before parsing). */
  plugins: ApolloServerPlugin[];
  /** For graphql-js `parse(…, { maxTokens })` of subscribe documents. */
  maxTokens: number;
}

/**
 * graphql-armor's protections with ChirpChat's limits: operations too deep, with too many
 * aliases, directives or tokens, or too costly are refused with GRAPHQL_VALIDATION_FAILED before
 * anything is planned or fetched. Field suggestions are left to Apollo Server's own setting
 * (hidden in production), so they are not configured twice.
 */
export function operationProtection(limits: OperationLimits = {}): OperationProtection {
  const { maxDepth, maxAliases, maxDirectives, maxTokens, maxCost } = { ...DEFAULT_LIMITS, ...definedOnly(limits) };
  const { plugins, validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxDepth: { n: maxDepth, flattenFragments: true },
    maxAliases: { n: maxAliases },
    maxDirectives: { n: maxDirectives },
    maxTokens: { n: maxTokens },
    costLimit: { maxCost, flattenFragments: true },
  }).protect();
  return { validationRules, plugins: plugins as ApolloServerPlugin[], maxTokens };
}

function definedOnly(limits: OperationLimits): OperationLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
