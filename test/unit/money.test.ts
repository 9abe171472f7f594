import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../shared/errors.ts'
import {
  formatMoney, formatQuantity, lineTotal, MAX_MONEY_CENTS, moneyFromJson, moneyToNumber, parseMoney, parseQuantity,
  quantityToNumber, sumMoney,
} from '../../shared/money.ts'

describe('money', () => {
  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(formatMoney(parseMoney('0.10') + parseMoney('0.20'))).toBe('0.30')
    expect(formatMoney(sumMoney([moneyFromJson(0.1), moneyFromJson(0.2)]))).toBe('0.30')
    expect(sumMoney([])).toBe(0n)
  })

  it('parses decimals with at most two places', () => {
    expect(parseMoney('1850')).toBe(185000n)
    expect(parseMoney('18.5')).toBe(1850n)
    expect(parseMoney('-0.05')).toBe(-5n)
    expect(parseMoney('-0.00')).toBe(0n)
    expect(parseMoney('9999999999999.99')).toBe(MAX_MONEY_CENTS)
    expect(parseMoney('-9999999999999.99')).toBe(-MAX_MONEY_CENTS)
  })

  it.each(['1.005', '0.001', '12.500', '', '-', '1.', '.5', '+1', '1e3', ' 1', '1,00', 'abc', '١٢', '10000000000000.00', '9'.repeat(100)])(
    'refuses %j',
    (text) => {
      expect(() => parseMoney(text)).toThrow(ValidationError)
    },
  )

  it('reads JSON numbers through their shortest decimal, never by float multiplication', () => {
    expect(moneyFromJson(19.99)).toBe(1999n) // 19.99 * 100 is 1998.9999999999998 as a float
    expect(moneyFromJson(1.15)).toBe(115n) // 1.15 * 100 is 114.99999999999999
    expect(moneyFromJson(1850)).toBe(185000n)
    expect(moneyFromJson(-0)).toBe(0n)
    expect(moneyFromJson('0.3')).toBe(30n)
    for (const bad of [0.1 + 0.2, 1.005, 1e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, {}, [], 5n]) {
      expect(() => moneyFromJson(bad)).toThrow(ValidationError)
    }
  })

  it('formats with exactly two decimals and converts to the nearest number', () => {
    expect(formatMoney(185000n)).toBe('1850.00')
    expect(formatMoney(-10000n)).toBe('-100.00')
    expect(formatMoney(5n)).toBe('0.05')
    expect(formatMoney(-5n)).toBe('-0.05')
    expect(formatMoney(0n)).toBe('0.00')
    expect(moneyToNumber(185000n)).toBe(1850)
    expect(moneyToNumber(30n)).toBe(0.3)
    expect(moneyToNumber(-1999n)).toBe(-19.99)
  })

  it('round-trips every amount through text and through JSON numbers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -MAX_MONEY_CENTS, max: MAX_MONEY_CENTS }), (cents) => {
        expect(parseMoney(formatMoney(cents))).toBe(cents)
        expect(moneyFromJson(moneyToNumber(cents))).toBe(cents)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('quantities and line totals', () => {
  it('parses positive quantities with up to four decimals', () => {
    expect(parseQuantity(3)).toBe(30000n)
    expect(parseQuantity(0.3333)).toBe(3333n)
    expect(parseQuantity('1.5')).toBe(15000n)
    expect(parseQuantity(1_000_000_000)).toBe(10_000_000_000_000n)
    for (const bad of [0, -1, 0.00001, '1.23456', 1_000_000_000.0001, 'x', null, Number.NaN]) {
      expect(() => parseQuantity(bad)).toThrow(ValidationError)
    }
  })

  it('formats quantities as their shortest decimal and back to exact numbers', () => {
    expect(formatQuantity(30000n)).toBe('3')
    expect(formatQuantity(3333n)).toBe('0.3333')
    expect(formatQuantity(15000n)).toBe('1.5')
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10_000_000_000_000n }), (quantity) => {
        expect(parseQuantity(quantityToNumber(quantity))).toBe(quantity)
      }),
      { numRuns: 2000 },
    )
  })

  it('multiplies exactly and rounds once, half away from zero', () => {
    expect(formatMoney(lineTotal(parseQuantity(3), parseMoney('33.33')))).toBe('99.99')
    expect(formatMoney(lineTotal(parseQuantity('0.3333'), parseMoney('10.00')))).toBe('3.33')
    expect(formatMoney(lineTotal(parseQuantity('0.5'), parseMoney('0.01')))).toBe('0.01')
    expect(formatMoney(lineTotal(parseQuantity('0.5'), parseMoney('-0.01')))).toBe('-0.01')
    expect(formatMoney(lineTotal(parseQuantity('0.4999'), parseMoney('0.01')))).toBe('0.00')
    expect(formatMoney(lineTotal(parseQuantity('1.5'), parseMoney('0.03')))).toBe('0.05') // 0.045
    expect(formatMoney(lineTotal(parseQuantity('1.5'), parseMoney('-0.03')))).toBe('-0.05')
    expect(formatMoney(lineTotal(parseQuantity('2.5'), parseMoney('0.01')))).toBe('0.03') // not banker's 0.02
    expect(formatMoney(lineTotal(parseQuantity('0.3333'), parseMoney('-10.00')))).toBe('-3.33')
    expect(() => lineTotal(parseQuantity(1_000_000_000), MAX_MONEY_CENTS)).toThrow(ValidationError)
  })

  it('is symmetric for negative prices', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 10n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), (quantity, price) => {
        expect(lineTotal(quantity, -price)).toBe(-lineTotal(quantity, price))
      }),
    )
  })
})
