/** Public ids: random, so they reveal neither how many rows exist nor in which order they were made. */
import { randomBytes, randomInt } from 'node:crypto';

/** An 8-digit customer number, like the Customer Service's (e.g. 47718865). */
export const newCustomerNumber = (): string => String(randomInt(10_000_000, 100_000_000));

/** A 10-hex-digit id, like the Customer Service's address ids (e.g. e6eae2c789). */
export const newHexId = (): string => randomBytes(5).toString('hex');

/**
 * A letter and 12 digits, in the style of the tutorial's legal-entity and assignment ids (D165356) but from a space
 * wide enough that a million companies and memberships do not collide (7 digits would, a few percent of the time).
 */
export const newEntityId = (letter: 'L' | 'A'): string => `${letter}${randomInt(100_000_000_000, 1_000_000_000_000)}`;
