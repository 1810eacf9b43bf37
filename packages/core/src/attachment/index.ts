export type { AttachmentClaim, AttachmentClaims } from './attachment.claims';
export {
  ATTACHMENT_LIMITS,
  DEFAULT_ATTACHMENT_POLICY,
  PREVIEW_TYPES,
  VOICEMAIL_ATTACHMENT_POLICY,
} from './attachment.limits';
export {
  attachmentRefusal,
  baseType,
  checkAttachment,
  cleanFileName,
  formatBytes,
  isTypeAllowed,
  UNKNOWN_TYPE,
} from './attachment.policy';
export { imageSize, resolveType, SNIFF_BYTES, sniffType, typesAgree } from './attachment.sniff';
export type { AttachmentCandidate, AttachmentPolicy, AttachmentRef } from './attachment.types';
export {
  type AttachmentClientOptions,
  type AttachmentUploader,
  attachmentUrl,
  checkFile,
  createAttachmentUploader,
} from './attachment.upload';
