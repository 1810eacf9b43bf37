export { type CustomersConfig, customersConfigSchema } from './customers.config';
export { type CrmWebhookOptions, crmSignature, crmWebhook } from './customers.crm';
export {
  type CrmLookup,
  type CrmRecord,
  type CustomerDirectoryOptions,
  createSqlCustomerDirectory,
  normaliseIdentifier,
} from './customers.directory';
export { prepareCustomers } from './customers.prepare';
