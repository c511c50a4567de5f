/**
 * Bulk writes for seeding: whole customers (with their addresses, accounts and legal-entity membership) written
 * with prepared statements, one transaction per batch. It bypasses the domain for speed, so the caller hands it
 * rows exactly as the domain would have written them (versions, timestamps, one default address, ...); the FTS
 * triggers keep the search index in sync as for any other insert.
 */
import type Database from 'better-sqlite3';
import type { SeedCustomer, SeedLegalEntityRow, SeedWriter, TakenKeys } from '../seeding.js';

export function createSeedWriter(sqlite: Database.Database): SeedWriter {
  const insertCustomer = sqlite.prepare(`INSERT INTO customers (tenant, customer_number, title, first_name, middle_name,
      last_name, contact_email, contact_phone, company, preferred_language, preferred_currency, preferred_site, active,
      on_hold, company_registration_id, mixins, version, created_at, modified_at)
    VALUES (@tenant, @customerNumber, @title, @firstName, @middleName, @lastName, @contactEmail, @contactPhone,
      @company, @preferredLanguage, @preferredCurrency, @preferredSite, @active, @onHold, @companyRegistrationId,
      @mixins, @version, @createdAt, @modifiedAt)`);
  const insertAddress = sqlite.prepare(`INSERT INTO addresses (tenant, id, customer_pk, contact_name, company_name,
      street, street_number, street_appendix, extra_line1, extra_line2, extra_line3, extra_line4, zip_code, city,
      country, state, contact_phone, tags, is_default, created_at, modified_at)
    VALUES (@tenant, @id, @customerPk, @contactName, @companyName, @street, @streetNumber, @streetAppendix,
      @extraLine1, @extraLine2, @extraLine3, @extraLine4, @zipCode, @city, @country, @state, @contactPhone, @tags,
      @isDefault, @createdAt, @modifiedAt)`);
  const insertAccount = sqlite.prepare(`INSERT INTO accounts (tenant, id, customer_pk, email, provider_id, created_at)
    VALUES (@tenant, @id, @customerPk, @email, @providerId, @createdAt)`);
  const insertLegalEntity = sqlite.prepare(`INSERT INTO legal_entities (tenant, id, registration_id, name, created_at)
    VALUES (@tenant, @id, @registrationId, @name, @createdAt)`);
  const insertAssignment = sqlite.prepare(`INSERT INTO customer_legal_entities (tenant, id, customer_pk,
      legal_entity_pk, created_at)
    VALUES (@tenant, @id, @customerPk, @legalEntityPk, @createdAt)`);
  const entityPkByRegistration = sqlite.prepare(
    'SELECT pk FROM legal_entities WHERE tenant = ? AND registration_id = ?',
  );

  /** Entities inserted by this writer, so that later members of one find it without a query. */
  const entityPks = new Map<string, number>();

  function entityPk(tenant: string, entity: SeedLegalEntityRow): number {
    const key = `${tenant}\u0000${entity.registrationId}`;
    let pk = entityPks.get(key);
    if (pk === undefined) {
      const existing = entityPkByRegistration.pluck().get(tenant, entity.registrationId) as number | undefined;
      pk = existing ?? Number(insertLegalEntity.run({ tenant, ...entity }).lastInsertRowid);
      entityPks.set(key, pk);
    }
    return pk;
  }

  const writeBatch = sqlite.transaction((tenant: string, batch: readonly SeedCustomer[]) => {
    for (const { customer, addresses, accounts, membership } of batch) {
      const customerPk = Number(
        insertCustomer.run({
          tenant,
          ...customer,
          active: customer.active ? 1 : 0,
          onHold: customer.onHold ? 1 : 0,
          mixins: customer.mixins === null ? null : JSON.stringify(customer.mixins),
        }).lastInsertRowid,
      );
      for (const address of addresses) {
        insertAddress.run({
          tenant,
          ...address,
          customerPk,
          tags: JSON.stringify(address.tags),
          isDefault: address.isDefault ? 1 : 0,
        });
      }
      for (const account of accounts) insertAccount.run({ tenant, ...account, customerPk });
      if (membership) {
        insertAssignment.run({
          tenant,
          id: membership.assignmentId,
          customerPk,
          legalEntityPk: entityPk(tenant, membership.entity),
          createdAt: membership.createdAt,
        });
      }
    }
  });

  return {
    /** Writes the customers in one transaction: all of them, or (on an error) none. */
    async write(tenant: string, batch: readonly SeedCustomer[]): Promise<void> {
      writeBatch.immediate(tenant, batch);
    },

    async takenKeys(tenant: string): Promise<TakenKeys> {
      const column = (sql: string) => new Set(sqlite.prepare(sql).pluck().all({ tenant }) as string[]);
      return {
        customerNumbers: column(`SELECT customer_number FROM customers WHERE tenant = @tenant
          UNION ALL SELECT customer_number FROM deleted_customers WHERE tenant = @tenant`),
        emails: column('SELECT lower(email) FROM accounts WHERE tenant = @tenant'),
        addressIds: column('SELECT id FROM addresses WHERE tenant = @tenant'),
        accountIds: column('SELECT id FROM accounts WHERE tenant = @tenant'),
        legalEntityIds: column('SELECT id FROM legal_entities WHERE tenant = @tenant'),
        registrationIds: column(
          'SELECT registration_id FROM legal_entities WHERE tenant = @tenant AND registration_id IS NOT NULL',
        ),
        assignmentIds: column('SELECT id FROM customer_legal_entities WHERE tenant = @tenant'),
      };
    },

    /**
     * Settings for a large bulk load on this connection: a bigger page cache for the index updates. WAL with
     * synchronous=NORMAL (the store's setting) already commits without an fsync per transaction.
     */
    async prepareForBulkLoad(): Promise<void> {
      sqlite.pragma(`cache_size = -${256 * 1024}`);
    },

    /**
     * Ends a bulk load: merges the search index into one segment (FTS5's `optimize`; a bulk load leaves dozens,
     * and every search reads each of them), then folds the write-ahead log back into the database file, so the
     * file alone holds the data.
     */
    async finishBulkLoad(): Promise<void> {
      sqlite.exec(`INSERT INTO customers_search(customers_search) VALUES ('optimize')`);
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
