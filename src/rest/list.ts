/**
 * The `q` conditions (q.ts) as the store's list filter (src/domain/store.ts): booleans and the business model go to
 * the filters GraphQL has (and their indexes), everything else to the store's conditions, one each, a range as its
 * two bounds.
 */
import type {
  CustomerCondition,
  CustomerListFilter,
  CustomerNullableColumn,
  CustomerNumberColumn,
  CustomerTextColumn,
} from '../domain/store.js';
import type { Condition, DateField, NumberField, TextField } from './q.js';

/** A text field's column: the row field of its name, but for the two under b2b. */
const textColumn = (field: TextField): CustomerTextColumn =>
  field === 'b2b.companyRegistrationId'
    ? 'companyRegistrationId'
    : field === 'b2b.legalEntities.id'
      ? 'legalEntityId'
      : field;

const NUMBER_COLUMNS: Record<NumberField | DateField, CustomerNumberColumn> = {
  'metadata.version': 'version',
  'metadata.createdAt': 'createdAt',
  'metadata.modifiedAt': 'modifiedAt',
};

export function filterOfQ(conditions: readonly Condition[]): CustomerListFilter {
  const filter: { -readonly [K in keyof CustomerListFilter]: CustomerListFilter[K] } = {};
  const store: CustomerCondition[] = [];
  for (const c of conditions) {
    if (c.field === 'active' || c.field === 'onHold') {
      filter[c.field] = c.value;
    } else if (c.field === 'businessModel') {
      const models = c.op === 'eq' ? [c.value] : c.values;
      // Both models are every customer: no condition.
      if (models.length === 1) filter.businessModel = models[0];
    } else if (c.field.startsWith('mixins.')) {
      const m = c as Extract<Condition, { path: readonly string[] }>;
      store.push(
        m.op === 'eq'
          ? { kind: 'mixin', path: m.path, op: 'eq', value: m.value }
          : { kind: 'mixin', path: m.path, op: m.op },
      );
    } else if (c.field in NUMBER_COLUMNS) {
      const o = c as Extract<Condition, { field: NumberField | DateField }>;
      const column = NUMBER_COLUMNS[o.field];
      if (o.op === 'eq') store.push({ kind: 'number', column, op: 'in', values: [o.value] });
      else if (o.op === 'in') store.push({ kind: 'number', column, op: 'in', values: o.values });
      else if (o.op === 'range') {
        store.push({ kind: 'number', column, op: o.lower.op, value: o.lower.value });
        store.push({ kind: 'number', column, op: o.upper.op, value: o.upper.value });
      } else store.push({ kind: 'number', column, op: o.op, value: o.value });
    } else {
      const t = c as Extract<Condition, { field: TextField }>;
      const column = textColumn(t.field);
      if (t.op === 'eq') store.push({ kind: 'text', column, op: 'in', values: [t.value] });
      else if (t.op === 'in') store.push({ kind: 'text', column, op: 'in', values: t.values });
      else if (t.op === 'contains') store.push({ kind: 'text', column, op: 'contains', value: t.value });
      // The parser allows null only on the fields that can be empty.
      else store.push({ kind: 'text', column: column as CustomerNullableColumn, op: 'isNull' });
    }
  }
  return store.length > 0 ? { ...filter, conditions: store } : filter;
}
