/**
 * Realistic, deterministic seed data: customers from a mix of markets (each with its locale, currency, country and
 * faker locale), two addresses and one account each by default, and a share of B2B customers in legal entities of
 * a few members. The same seed over the same database gives the same rows, apart from the keys a tenant already
 * uses, which are never repeated.
 *
 * Rows are built exactly as the domain would have written them for createCustomer (with contactEmail and b2b,
 * without password-reset notifications) followed by addCustomerAddress and assignCustomerAccount: version 1 on
 * create, +1 for the first account, +1 for every later address or account, modifiedAt the time of the last of
 * those changes, and the first address the default.
 */
import {
  Faker,
  fakerDA,
  fakerDE,
  fakerDE_AT,
  fakerDE_CH,
  fakerEN_AU,
  fakerEN_CA,
  fakerEN_GB,
  fakerEN_US,
  fakerES,
  fakerFR,
  fakerIT,
  fakerNB_NO,
  fakerNL,
  fakerPL,
  fakerPT_BR,
  fakerSV,
} from '@faker-js/faker';
import type {
  OpenedStore,
  SeedAccountRow,
  SeedAddressRow,
  SeedCustomer,
  SeedLegalEntityRow,
  TakenKeys,
} from '../store/index.js';

export interface SeedOptions {
  tenant: string;
  customers: number;
  /** Addresses per customer (the first is the default). */
  addresses?: number;
  /** Accounts per customer; the first one's email is the contact email. 0 leaves customers without an email. */
  accounts?: number;
  /** The share of customers that belong to a legal entity, 0..1. */
  b2bShare?: number;
  seed?: number;
  /** Customers per transaction. */
  batchSize?: number;
  onProgress?: (written: number, total: number) => void;
}

export interface SeedSummary {
  tenant: string;
  customers: number;
  b2bCustomers: number;
  addresses: number;
  accounts: number;
  legalEntities: number;
  assignments: number;
  seconds: number;
}

interface Market {
  language: string;
  currency: string;
  country: string;
  /** Relative share of customers. */
  weight: number;
  locale: Faker;
  providers: readonly string[];
  topLevelDomain: string;
  /** Whether addresses there carry a state (faker falls back to US states elsewhere). */
  states?: boolean;
  /** Whether middle names are customary (faker falls back to English ones elsewhere). */
  middleNames?: boolean;
}

function market(
  language: string,
  currency: string,
  weight: number,
  template: Faker,
  topLevelDomain: string,
  providers: readonly string[],
  flags: { states?: boolean; middleNames?: boolean } = {},
) {
  // The country is the locale's region: en_GB -> GB.
  return { language, currency, country: language.slice(-2), weight, template, topLevelDomain, providers, ...flags };
}

const MARKETS = [
  market('en_US', 'USD', 24, fakerEN_US, 'com', ['gmail.com', 'yahoo.com', 'outlook.com'], {
    states: true,
    middleNames: true,
  }),
  market('en_GB', 'GBP', 10, fakerEN_GB, 'co.uk', ['gmail.com', 'outlook.com', 'btinternet.com'], {
    middleNames: true,
  }),
  market('en_CA', 'CAD', 4, fakerEN_CA, 'ca', ['gmail.com', 'shaw.ca', 'outlook.com'], {
    states: true,
    middleNames: true,
  }),
  market('en_AU', 'AUD', 3, fakerEN_AU, 'com.au', ['gmail.com', 'bigpond.com'], { states: true, middleNames: true }),
  market('de_DE', 'EUR', 15, fakerDE, 'de', ['gmx.de', 'web.de', 't-online.de', 'gmail.com']),
  market('de_AT', 'EUR', 3, fakerDE_AT, 'at', ['gmx.at', 'aon.at']),
  market('de_CH', 'CHF', 4, fakerDE_CH, 'ch', ['bluewin.ch', 'gmx.ch']),
  market('fr_FR', 'EUR', 8, fakerFR, 'fr', ['orange.fr', 'free.fr', 'gmail.com']),
  market('it_IT', 'EUR', 5, fakerIT, 'it', ['libero.it', 'gmail.com']),
  market('es_ES', 'EUR', 5, fakerES, 'es', ['gmail.com', 'hotmail.es']),
  market('nl_NL', 'EUR', 4, fakerNL, 'nl', ['ziggo.nl', 'gmail.com']),
  market('sv_SE', 'SEK', 3, fakerSV, 'se', ['telia.com', 'gmail.com']),
  market('nb_NO', 'NOK', 2, fakerNB_NO, 'no', ['online.no', 'gmail.com']),
  market('da_DK', 'DKK', 2, fakerDA, 'dk', ['gmail.com', 'mail.dk']),
  market('pl_PL', 'PLN', 4, fakerPL, 'pl', ['wp.pl', 'onet.pl', 'gmail.com']),
  market('pt_BR', 'BRL', 4, fakerPT_BR, 'com.br', ['gmail.com', 'uol.com.br'], { states: true }),
];

const TITLES = ['Dr.', 'Prof.', 'Prof. Dr.'] as const;
const TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;
/** Tags of the first (default) address, and of the others. */
const FIRST_ADDRESS_TAGS: readonly (readonly string[])[] = [
  ['billing', 'shipping'],
  ['billing'],
  ['home', 'billing', 'shipping'],
  [],
];
const OTHER_ADDRESS_TAGS: readonly (readonly string[])[] = [
  ['shipping'],
  ['work'],
  ['shipping', 'pickup'],
  ['warehouse'],
  [],
];

/** The customers are spread over this window; fixed, so that the same seed gives the same rows. */
const WINDOW_START = Date.UTC(2022, 0, 1);
const WINDOW_END = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** ASCII letters and digits of a name, for email addresses and domains ("Jürgen Groß" -> "jurgen", "gross"). */
function slug(value: string): string {
  return value
    .replaceAll('ß', 'ss')
    .replaceAll('æ', 'ae')
    .replaceAll('Æ', 'AE')
    .replaceAll('ø', 'o')
    .replaceAll('Ø', 'O')
    .replaceAll('ł', 'l')
    .replaceAll('Ł', 'L')
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** A domain label from a company name: its first words, dash-joined ("Krauel, Komoll und Götz" -> "krauel-komoll"). */
function domainLabel(company: string): string {
  const words = company
    .split(/[\s,&.'-]+/)
    .map(slug)
    .filter(Boolean);
  return words.slice(0, 2).join('-') || 'company';
}

interface OpenEntity {
  entity: SeedLegalEntityRow;
  market: Market;
  domain: string;
  /** Members still to come before the entity is full. */
  openSeats: number;
}

export type GeneratorSettings = Required<
  Pick<SeedOptions, 'customers' | 'addresses' | 'accounts' | 'b2bShare' | 'seed'>
>;

/** Makes customers one by one; every random choice comes from fakers seeded with `seed`. */
export function createCustomerGenerator(options: GeneratorSettings, taken: TakenKeys) {
  const random = new Faker({ locale: fakerEN_US.rawDefinitions, seed: options.seed });
  const markets: Market[] = MARKETS.map(({ template, ...market }, i) => ({
    ...market,
    locale: new Faker({ locale: template.rawDefinitions, seed: options.seed * 1000 + i }),
  }));
  const weighted = markets.map((market) => ({ weight: market.weight, value: market }));
  const spacing = (WINDOW_END - WINDOW_START) / Math.max(options.customers, 1);
  /** Entities that still take members; a B2B customer joins one of them or founds a new one. */
  const open: OpenEntity[] = [];

  const chance = (probability: number) => random.datatype.boolean(probability);
  const digits = (count: number) => String(random.number.int({ min: 10 ** (count - 1), max: 10 ** count - 1 }));
  const hexId = () => random.number.int({ min: 0, max: 0xff_ffff_ffff }).toString(16).padStart(10, '0');

  /** A value `make` returns that is not in `used` yet (recorded there). */
  function unique(used: Set<string>, make: () => string): string {
    for (;;) {
      const value = make();
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  }

  function uniqueEmail(local: string, domain: string): string {
    const base = local || 'customer';
    let email = `${base}@${domain}`;
    while (taken.emails.has(email.toLowerCase()))
      email = `${base}${random.number.int({ min: 1, max: 9999 })}@${domain}`;
    taken.emails.add(email.toLowerCase());
    return email;
  }

  function foundEntity(at: number): OpenEntity {
    const market = random.helpers.weightedArrayElement(weighted);
    const name = market.locale.company.name();
    const entity: SeedLegalEntityRow = {
      id: unique(taken.legalEntityIds, () => `L${digits(12)}`),
      registrationId: unique(taken.registrationIds, () => `${market.country}${digits(9)}`),
      name,
      createdAt: at,
    };
    const domain = `${domainLabel(name)}.${market.topLevelDomain}`;
    const founded = { entity, market, domain, openSeats: random.number.int({ min: 1, max: 5 }) };
    if (open.length < 50) open.push(founded);
    return founded;
  }

  /** The entity a new B2B customer joins: mostly an existing one with a free seat, else a new one. */
  function entityToJoin(at: number): OpenEntity {
    if (open.length === 0 || chance(0.25)) return foundEntity(at);
    const index = random.number.int({ min: 0, max: open.length - 1 });
    const joined = open[index]!;
    joined.openSeats -= 1;
    if (joined.openSeats === 0) open.splice(index, 1);
    return joined;
  }

  function address(
    market: Market,
    contactName: string,
    company: string | null,
    first: boolean,
    at: number,
  ): SeedAddressRow {
    const f = market.locale;
    const tags = random.helpers.arrayElement(first ? FIRST_ADDRESS_TAGS : OTHER_ADDRESS_TAGS);
    return {
      id: unique(taken.addressIds, hexId),
      contactName,
      companyName: company,
      street: f.location.street(),
      streetNumber: f.location.buildingNumber(),
      streetAppendix: chance(0.1) ? f.location.secondaryAddress() : null,
      extraLine1: null,
      extraLine2: null,
      extraLine3: null,
      extraLine4: null,
      zipCode: f.location.zipCode(),
      city: f.location.city(),
      country: market.country,
      state: market.states ? f.location.state({ abbreviated: true }) : null,
      contactPhone: chance(0.2) ? f.phone.number({ style: 'international' }) : null,
      tags: [...tags],
      isDefault: first,
      version: 1,
      createdAt: at,
      modifiedAt: at,
    };
  }

  /** The `index`-th customer (0-based) of this run. */
  function customer(index: number): SeedCustomer {
    const jitter = random.number.int({ min: 0, max: Math.max(0, Math.floor(spacing) - 1) });
    const createdAt = Math.round(WINDOW_START + index * spacing + jitter);
    const b2b = chance(options.b2bShare) ? entityToJoin(createdAt) : undefined;
    const market = b2b?.market ?? random.helpers.weightedArrayElement(weighted);
    const f = market.locale;
    const sex = f.person.sexType();
    const firstName = f.person.firstName(sex);
    const lastName = f.person.lastName(sex);
    const middleName = market.middleNames && chance(0.1) ? f.person.middleName(sex) : null;
    const company = b2b?.entity.name ?? (chance(0.05) ? f.company.name() : null);
    const local = [slug(firstName), slug(lastName)]
      .filter(Boolean)
      .join(random.helpers.arrayElement(['.', '.', '_', '']));
    const emailDomain = b2b?.domain ?? random.helpers.arrayElement(market.providers);

    // The changes after create, in order: addresses, then further accounts; each one a version of its own.
    let at = createdAt;
    const later = () => (at += random.number.int({ min: MINUTE, max: 30 * DAY }));
    const contactName = [firstName, lastName].join(' ');
    const addresses = Array.from({ length: options.addresses }, (_, i) =>
      address(market, contactName, company, i === 0, later()),
    );
    const accounts: SeedAccountRow[] = [];
    let contactEmail: string | null = null;
    for (let i = 0; i < options.accounts; i++) {
      const email = uniqueEmail(i === 0 ? local : `${local}+${i}`, emailDomain);
      contactEmail ??= email;
      accounts.push({
        id: unique(taken.accountIds, hexId),
        email,
        providerId: null,
        createdAt: i === 0 ? createdAt : later(),
      });
    }

    return {
      customer: {
        customerNumber: unique(taken.customerNumbers, () => digits(8)),
        title: chance(0.05) ? random.helpers.arrayElement(TITLES) : null,
        firstName,
        middleName,
        lastName,
        contactEmail,
        contactPhone: chance(0.7) ? f.phone.number({ style: 'international' }) : null,
        company,
        preferredLanguage: market.language,
        preferredCurrency: market.currency,
        preferredSite: b2b ? 'b2b' : chance(0.9) ? 'main' : 'outlet',
        active: chance(0.9),
        onHold: chance(0.02),
        companyRegistrationId: b2b?.entity.registrationId ?? null,
        mixins: chance(0.25) ? { loyaltyTier: random.helpers.arrayElement(TIERS), newsletter: chance(0.5) } : null,
        version: 1 + options.addresses + options.accounts,
        createdAt,
        modifiedAt: at,
      },
      addresses,
      accounts,
      membership: b2b
        ? { entity: b2b.entity, assignmentId: unique(taken.assignmentIds, () => `A${digits(12)}`), createdAt }
        : undefined,
    };
  }

  return { customer };
}

/** Seeds a tenant: generates the customers and writes them in batches, one transaction each. */
export async function seedTenant(store: OpenedStore, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const settings = {
    customers: options.customers,
    addresses: options.addresses ?? 2,
    accounts: options.accounts ?? 1,
    b2bShare: options.b2bShare ?? 0.3,
    seed: options.seed ?? 1,
  };
  const batchSize = options.batchSize ?? 2000;
  const writer = store.seedWriter();
  await writer.prepareForBulkLoad();
  const generator = createCustomerGenerator(settings, await writer.takenKeys(options.tenant));

  const summary: SeedSummary = {
    tenant: options.tenant,
    customers: 0,
    b2bCustomers: 0,
    addresses: 0,
    accounts: 0,
    legalEntities: 0,
    assignments: 0,
    seconds: 0,
  };
  const entities = new Set<string>();
  for (let first = 0; first < settings.customers; first += batchSize) {
    const batch: SeedCustomer[] = [];
    for (let i = first; i < Math.min(first + batchSize, settings.customers); i++) batch.push(generator.customer(i));
    await writer.write(options.tenant, batch);
    for (const { addresses, accounts, membership } of batch) {
      summary.addresses += addresses.length;
      summary.accounts += accounts.length;
      if (membership) {
        summary.b2bCustomers += 1;
        summary.assignments += 1;
        entities.add(membership.entity.id);
      }
    }
    summary.customers += batch.length;
    options.onProgress?.(summary.customers, settings.customers);
  }
  await writer.finishBulkLoad();
  summary.legalEntities = entities.size;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
