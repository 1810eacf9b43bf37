export { type ContactSubject, contactIdentity, storedContactIdentity } from './customer.identity';
export {
  type AuditRow,
  type ContactIdentity,
  type CustomerActor,
  type CustomerDirectory,
  type CustomerRow,
  IDENTIFIER_KINDS,
  type IdentifierClaim,
  type IdentifierKind,
  type IdentifierSource,
  type SuggestionRow,
} from './customer.types';
