/**
 * Writes `datasets/fictional-10k-qa/`: (question, context) pairs in the style
 * of questions about annual reports (10-K filings), about fictional companies.
 *
 * Everything is generated from templates with a fixed seed, so running it
 * again gives the same bytes. Questions often use other words than their
 * passage ("How much did X earn" for "net income"), and passages carry
 * distractor facts, so lexical matching alone is imperfect and fine-tuning
 * has something to learn.
 *
 *     npx tsc -p . && node dist/scripts/make-dataset.js
 */
import { join } from 'node:path';
import { writeFileAtomicSync } from '../src/util/fs';
import { Random } from '../src/util/random';

/** One row of `pairs.jsonl`. */
export interface QaPair {
  id: string;
  question: string;
  context: string;
}

export const DATASET_NAME = 'fictional-10k-qa';
export const DATASET_SEED = 10_2023;
const COMPANY_COUNT = 160;
/** The tokenizer's vocabulary size, as stated in the README (kept equal to make-tokenizer's VOCAB_SIZE by its test). */
export const VOCAB_SIZE_NOTE = 4000;
const TOPICS_PER_COMPANY = 11;

// ---------------------------------------------------------------- helpers

const pick = <T>(r: Random, items: readonly T[]): T => items[r.int(items.length)]!;
const between = (r: Random, low: number, high: number): number => low + (high - low) * r.next();
const chance = (r: Random, p: number): boolean => r.next() < p;

/** `$845.3 million`, `$1.24 billion`, from an amount in millions. */
function money(millions: number): string {
  if (millions >= 1000) return `$${(millions / 1000).toFixed(2)} billion`;
  if (millions >= 100) return `$${Math.round(millions)} million`;
  return `$${millions.toFixed(1)} million`;
}
const pct = (fraction: number, digits = 1): string => `${(fraction * 100).toFixed(digits)}%`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const listing = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

// ---------------------------------------------------------------- the fictional world

interface Industry {
  key: string;
  suffixes: string[];
  describe: string;
  segments: string[];
  products: string;
  inputs: string;
  customers: string;
  facilities: string;
  marginRange: [number, number];
  rndShare: [number, number];
  revenuePerEmployee: [number, number]; // $ thousands
  hasBacklog: boolean;
  seasonalQuarter?: string;
}

const INDUSTRIES: Industry[] = [
  { key: 'semis', suffixes: ['Semiconductor', 'Microsystems', 'Silicon'], describe: 'designs and sells analog and mixed-signal chips', segments: ['Data Center', 'Automotive', 'Industrial', 'Consumer Devices'], products: 'microcontrollers, power management chips and sensor modules', inputs: 'silicon wafers and substrates', customers: 'device manufacturers and distributors', facilities: 'wafer fabrication plants', marginRange: [0.08, 0.28], rndShare: [0.12, 0.22], revenuePerEmployee: [350, 600], hasBacklog: true },
  { key: 'software', suffixes: ['Software', 'Systems', 'Cloud'], describe: 'provides cloud software for finance and operations teams', segments: ['Subscription', 'Professional Services', 'Licenses'], products: 'subscription software and analytics tools', inputs: 'third-party data center capacity', customers: 'mid-sized enterprises and government agencies', facilities: 'offices and data centers', marginRange: [0.02, 0.22], rndShare: [0.15, 0.3], revenuePerEmployee: [220, 380], hasBacklog: false },
  { key: 'retail', suffixes: ['Home', 'Outfitters', 'Stores'], describe: 'operates specialty home furnishings stores', segments: ['Stores', 'E-commerce', 'Wholesale'], products: 'furniture, bedding and home decor', inputs: 'imported merchandise', customers: 'household shoppers', facilities: 'retail stores and distribution centers', marginRange: [0.02, 0.09], rndShare: [0, 0], revenuePerEmployee: [150, 260], hasBacklog: false, seasonalQuarter: 'fourth' },
  { key: 'logistics', suffixes: ['Logistics', 'Freight', 'Transport'], describe: 'provides trucking, warehousing and delivery services', segments: ['Truckload', 'Warehousing', 'Last-Mile Delivery'], products: 'freight transportation and warehousing services', inputs: 'diesel fuel and tractors', customers: 'retailers and manufacturers', facilities: 'terminals and cross-dock facilities', marginRange: [0.03, 0.1], rndShare: [0, 0], revenuePerEmployee: [160, 280], hasBacklog: false, seasonalQuarter: 'fourth' },
  { key: 'biotech', suffixes: ['Therapeutics', 'Biosciences', 'Pharma'], describe: 'develops and markets medicines for cancer and rare diseases', segments: ['Oncology', 'Rare Diseases', 'Vaccines'], products: 'prescription therapies', inputs: 'active pharmaceutical ingredients', customers: 'wholesale drug distributors and hospitals', facilities: 'laboratories and manufacturing sites', marginRange: [0.05, 0.3], rndShare: [0.18, 0.35], revenuePerEmployee: [400, 750], hasBacklog: false },
  { key: 'restaurants', suffixes: ['Restaurants', 'Kitchens', 'Grill'], describe: 'owns and franchises casual dining restaurants', segments: ['Company-Operated Restaurants', 'Franchise Operations'], products: 'burgers, salads and beverages', inputs: 'beef, poultry and dairy', customers: 'guests in its restaurants', facilities: 'restaurant locations', marginRange: [0.03, 0.11], rndShare: [0, 0], revenuePerEmployee: [45, 80], hasBacklog: false, seasonalQuarter: 'third' },
  { key: 'insurance', suffixes: ['Insurance', 'Assurance', 'Mutual'], describe: 'writes property, casualty and life insurance', segments: ['Property and Casualty', 'Life and Annuities', 'Reinsurance'], products: 'insurance policies and annuities', inputs: 'reinsurance capacity', customers: 'individuals and small businesses', facilities: 'claims offices', marginRange: [0.05, 0.14], rndShare: [0, 0], revenuePerEmployee: [500, 900], hasBacklog: false },
  { key: 'utilities', suffixes: ['Energy', 'Power', 'Utilities'], describe: 'generates and distributes electricity and natural gas', segments: ['Electric Utility', 'Gas Distribution', 'Renewable Generation'], products: 'electricity and natural gas', inputs: 'natural gas and coal', customers: 'residential, commercial and industrial customers', facilities: 'power plants and substations', marginRange: [0.08, 0.15], rndShare: [0, 0], revenuePerEmployee: [700, 1200], hasBacklog: false, seasonalQuarter: 'first' },
  { key: 'mining', suffixes: ['Resources', 'Minerals', 'Mining'], describe: 'mines copper and lithium', segments: ['Copper', 'Lithium', 'Exploration'], products: 'copper concentrate and lithium carbonate', inputs: 'explosives, fuel and heavy equipment', customers: 'smelters and battery makers', facilities: 'open-pit mines and processing plants', marginRange: [0.04, 0.25], rndShare: [0, 0.01], revenuePerEmployee: [500, 900], hasBacklog: false },
  { key: 'apparel', suffixes: ['Apparel', 'Brands', 'Athletic'], describe: 'designs and markets footwear and apparel', segments: ['Footwear', 'Apparel', 'Accessories'], products: 'running shoes, outdoor jackets and bags', inputs: 'cotton, synthetic fabrics and rubber', customers: 'sporting goods retailers and online shoppers', facilities: 'design studios and distribution centers', marginRange: [0.04, 0.13], rndShare: [0.01, 0.03], revenuePerEmployee: [250, 420], hasBacklog: false, seasonalQuarter: 'fourth' },
  { key: 'aerospace', suffixes: ['Aerospace', 'Aviation', 'Defense'], describe: 'makes aircraft components and defense electronics', segments: ['Commercial Aerostructures', 'Defense Systems', 'Aftermarket Services'], products: 'wing assemblies, avionics and spare parts', inputs: 'titanium, aluminum and composites', customers: 'aircraft manufacturers and government defense agencies', facilities: 'machining and assembly plants', marginRange: [0.04, 0.12], rndShare: [0.03, 0.07], revenuePerEmployee: [220, 350], hasBacklog: true },
  { key: 'media', suffixes: ['Media', 'Entertainment', 'Studios'], describe: 'produces films and operates a streaming service', segments: ['Streaming', 'Advertising', 'Content Licensing'], products: 'films, series and streaming subscriptions', inputs: 'licensed content and production crews', customers: 'subscribers and advertisers', facilities: 'studios and production lots', marginRange: [0.02, 0.14], rndShare: [0.03, 0.08], revenuePerEmployee: [400, 800], hasBacklog: false },
  { key: 'meddev', suffixes: ['Medical', 'Surgical', 'Health'], describe: 'makes surgical instruments and diagnostic equipment', segments: ['Surgical Products', 'Diagnostics', 'Cardiology'], products: 'surgical staplers, imaging systems and heart monitors', inputs: 'resins, electronic components and specialty steel', customers: 'hospitals and clinics', facilities: 'manufacturing plants and sterilization centers', marginRange: [0.06, 0.2], rndShare: [0.06, 0.12], revenuePerEmployee: [240, 380], hasBacklog: false },
  { key: 'bank', suffixes: ['Bancorp', 'Financial', 'Bank'], describe: 'operates a regional bank', segments: ['Consumer Banking', 'Commercial Lending', 'Wealth Management'], products: 'deposits, mortgages and business loans', inputs: 'customer deposits and wholesale funding', customers: 'households and small businesses', facilities: 'branches', marginRange: [0.15, 0.3], rndShare: [0, 0], revenuePerEmployee: [300, 500], hasBacklog: false },
  { key: 'foods', suffixes: ['Foods', 'Brands', 'Provisions'], describe: 'makes packaged snacks, beverages and frozen meals', segments: ['Snacks', 'Beverages', 'Frozen Foods'], products: 'crackers, juices and frozen dinners', inputs: 'wheat, sugar, corn and packaging', customers: 'grocery chains and warehouse clubs', facilities: 'food processing plants', marginRange: [0.05, 0.12], rndShare: [0.005, 0.015], revenuePerEmployee: [350, 550], hasBacklog: false, seasonalQuarter: 'fourth' },
  { key: 'homebuilder', suffixes: ['Homes', 'Communities', 'Builders'], describe: 'builds single-family homes', segments: ['Homebuilding', 'Mortgage Services', 'Land Development'], products: 'single-family homes and townhomes', inputs: 'lumber, concrete and land', customers: 'first-time and move-up home buyers', facilities: 'design centers and sales offices', marginRange: [0.08, 0.16], rndShare: [0, 0], revenuePerEmployee: [1200, 2200], hasBacklog: true },
  { key: 'chemicals', suffixes: ['Chemicals', 'Materials', 'Polymers'], describe: 'produces specialty coatings and polymers', segments: ['Coatings', 'Performance Polymers', 'Agricultural Chemicals'], products: 'industrial coatings, resins and crop protection products', inputs: 'petrochemical feedstocks and natural gas', customers: 'industrial manufacturers and farmers', facilities: 'chemical plants', marginRange: [0.05, 0.14], rndShare: [0.02, 0.05], revenuePerEmployee: [500, 800], hasBacklog: false },
  { key: 'telecom', suffixes: ['Communications', 'Networks', 'Telecom'], describe: 'provides broadband, wireless and fiber services', segments: ['Residential Broadband', 'Wireless', 'Enterprise Fiber'], products: 'internet, mobile and fiber connectivity', inputs: 'network equipment and spectrum licenses', customers: 'households and businesses', facilities: 'network hubs and cell towers', marginRange: [0.05, 0.15], rndShare: [0.01, 0.03], revenuePerEmployee: [450, 700], hasBacklog: false },
];

const NAME_STARTS = ['Nor', 'Bel', 'Quin', 'Ash', 'Cor', 'Dal', 'Ever', 'Fal', 'Gran', 'Hal', 'Iver', 'Jun', 'Kes', 'Lum', 'Mar', 'Nev', 'Ost', 'Pell', 'Rav', 'Sol', 'Tal', 'Ver', 'Wyn', 'Zan', 'Bram', 'Cal', 'Del', 'Fen', 'Hart', 'Lor', 'Mer', 'Pax', 'Rho', 'Sten', 'Tor', 'Ul', 'Vas', 'Wes', 'Ard', 'Bex'];
const NAME_ENDS = ['vale', 'mora', 'tara', 'wick', 'ford', 'ion', 'ara', 'ton', 'ridge', 'stone', 'lyn', 'ex', 'is', 'an', 'ora', 'ent', 'ark', 'ova', 'ius', 'ene'];
const CITIES = ['Harrowgate', 'Millbrook', 'Eastmere', 'Stonebridge', 'Larkspur Bay', 'New Calder', 'Brightwater', 'Oakhaven', 'Redmoor', 'Silverton', 'Fairhollow', 'Kingsreach', 'Ambergate', 'Westfold', 'Port Merrow', 'Cedarline', 'Lowell Springs', 'Greymarsh'];
const FIRST_NAMES = ['Elena', 'Marcus', 'Priya', 'Jonah', 'Greta', 'Samuel', 'Ines', 'Tobias', 'Mei', 'Rafael', 'Dana', 'Oliver', 'Amara', 'Victor', 'Hanna', 'Luis', 'Noor', 'Felix', 'Clara', 'Desmond'];
const LAST_NAMES = ['Whitcombe', 'Okafor', 'Lindqvist', 'Marchetti', 'Abernathy', 'Castellanos', 'Hollis', 'Nakamura', 'Petrovic', 'Ashdown', 'Varga', 'Delacroix', 'Brennan', 'Osei', 'Falkner', 'Ridley', 'Moreau', 'Sandoval', 'Quayle', 'Thornbury'];
const TARGET_WORDS = ['Bluefin', 'Copperleaf', 'Driftwood', 'Kestrel', 'Lanternfly', 'Meridian', 'Northwind', 'Pinecrest', 'Quarry', 'Saltmarsh', 'Tidewater', 'Willowby'];

interface Company {
  name: string;
  short: string;
  ticker: string;
  industry: Industry;
  city: string;
  founded: number;
  year: number;
  ceo: string;
  ceoSince: number;
  segments: string[];
  revenue: number;
  revenuePrev: number;
  netIncome: number;
  employees: number;
  rnd: number;
  dividend: number; // per share per year, 0 = none
  debt: number;
  cash: number;
  capex: number;
}

function makeCompanies(r: Random): Company[] {
  const names = new Set<string>();
  const companies: Company[] = [];
  while (companies.length < COMPANY_COUNT) {
    const short = pick(r, NAME_STARTS) + pick(r, NAME_ENDS);
    if (names.has(short)) continue;
    names.add(short);
    const industry = INDUSTRIES[companies.length % INDUSTRIES.length]!;
    const revenue = Math.exp(between(r, Math.log(180), Math.log(24000)));
    const growth = between(r, -0.09, 0.24);
    const margin = chance(r, 0.1) ? -between(r, 0.02, 0.08) : between(r, ...industry.marginRange);
    const segmentCount = Math.min(industry.segments.length, 2 + r.int(2));
    const year = 2021 + r.int(3);
    companies.push({
      name: `${short} ${pick(r, industry.suffixes)}`,
      short,
      ticker: (short.slice(0, 3) + short.slice(-1)).toUpperCase(),
      industry,
      city: pick(r, CITIES),
      founded: 1925 + r.int(90),
      year,
      ceo: `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`,
      ceoSince: year - 1 - r.int(9),
      segments: industry.segments.slice(0, segmentCount),
      revenue,
      revenuePrev: revenue / (1 + growth),
      netIncome: revenue * margin,
      employees: (revenue * 1000) / between(r, ...industry.revenuePerEmployee),
      rnd: revenue * between(r, ...industry.rndShare),
      dividend: chance(r, 0.6) ? Math.round(between(r, 0.2, 3.4) * 100) / 100 : 0,
      debt: revenue * between(r, 0.1, 0.9),
      cash: revenue * between(r, 0.04, 0.3),
      capex: revenue * between(r, 0.02, 0.12),
    });
  }
  return companies;
}

// ---------------------------------------------------------------- distractor facts

/** Sentences about other matters, mixed into passages as in real filings. */
const DISTRACTORS: ((c: Company, r: Random) => string)[] = [
  (c, r) => `Selling, general and administrative expenses increased ${pct(between(r, 0.01, 0.12))} as we expanded our sales organization.`,
  (c) => `Our fiscal year ends on December 31, and references to fiscal ${c.year} refer to the year ended December 31, ${c.year}.`,
  (c, r) => `During the year we opened ${2 + r.int(9)} new ${c.industry.facilities.split(' and ')[0]}.`,
  (c, r) => `Interest expense was ${money(c.debt * between(r, 0.03, 0.06))}, reflecting higher average borrowing rates.`,
  (c, r) => `Depreciation and amortization totaled ${money(c.capex * between(r, 0.7, 1.2))}.`,
  (c) => `${c.short}'s common stock trades on the New York Stock Exchange under the symbol "${c.ticker}".`,
  (c, r) => `Foreign currency movements reduced reported results by approximately ${pct(between(r, 0.002, 0.02))}.`,
  (c) => `We were incorporated in ${c.founded} and are headquartered in ${c.city}.`,
  (c, r) => `Operating cash flow was ${money(c.revenue * between(r, 0.06, 0.18))} for the year.`,
  (c, r) => `Our order cancellation rate remained below ${pct(between(r, 0.01, 0.05))}.`,
];

function withDistractor(sentences: string[], c: Company, r: Random): string {
  const extra = pick(r, DISTRACTORS)(c, r);
  const at = chance(r, 0.5) ? sentences.length : Math.max(1, sentences.length - 1);
  return [...sentences.slice(0, at), extra, ...sentences.slice(at)].join(' ');
}

// ---------------------------------------------------------------- topics

/** A subject a 10-K discusses: passages that state it and questions that ask about it. */
interface Topic {
  key: string;
  applies?: (c: Company) => boolean;
  contexts: ((c: Company, r: Random) => string[])[];
  questions: ((c: Company, n: string) => string)[];
}

const TOPICS: Topic[] = [
  {
    key: 'revenue',
    contexts: [
      (c, r) => [
        `${c.name} reported total net revenues of ${money(c.revenue)} for fiscal ${c.year}, ${c.revenue >= c.revenuePrev ? 'an increase' : 'a decrease'} of ${pct(Math.abs(c.revenue / c.revenuePrev - 1))} compared with ${money(c.revenuePrev)} in fiscal ${c.year - 1}.`,
        c.revenue >= c.revenuePrev
          ? `The change was driven primarily by higher volumes in ${c.segments[0]} and pricing actions taken early in the year.`
          : `The decline reflected lower demand in ${c.segments[0]} and the exit of certain low-margin product lines.`,
        `Cost of revenues grew at a ${pick(r, ['slower', 'similar', 'faster'])} pace than sales.`,
      ],
      (c) => [
        `Net sales were ${money(c.revenue)} in ${c.year} versus ${money(c.revenuePrev)} in ${c.year - 1}.`,
        `${c.segments.map((s, i) => `${s} represented ${i === 0 ? 'the largest share' : 'a smaller share'}`).join(', ')} of ${c.short}'s net sales.`,
      ],
    ],
    questions: [
      (c, n) => `What was the top line for ${n} in ${c.year}?`,
      (c, n) => `How much money did ${n} bring in from customers in fiscal ${c.year}?`,
      (c, n) => `How big were ${n}'s sales in ${c.year} compared with the prior year?`,
      (c, n) => `What turnover did ${n} post for ${c.year}?`,
      (c, n) => `What were the total net revenues of ${n} in fiscal ${c.year}?`,
    ],
  },
  {
    key: 'net-income',
    contexts: [
      (c, r) => [
        c.netIncome >= 0
          ? `${c.short} recorded net income of ${money(c.netIncome)}, or $${(between(r, 0.4, 9)).toFixed(2)} per diluted share, in fiscal ${c.year}.`
          : `${c.short} recorded a net loss of ${money(-c.netIncome)}, or $${(between(r, 0.2, 3)).toFixed(2)} per diluted share, in fiscal ${c.year}.`,
        `The result included restructuring charges of ${money(c.revenue * between(r, 0.002, 0.01))} related to facility consolidation.`,
        `Adjusted operating margin was ${pct(Math.max(0.01, c.netIncome / c.revenue + between(r, 0.02, 0.06)))}.`,
      ],
      (c) => [
        `For the year ended December 31, ${c.year}, ${c.name} generated ${c.netIncome >= 0 ? `net earnings of ${money(c.netIncome)}` : `a net loss of ${money(-c.netIncome)}`} on revenue of ${money(c.revenue)}.`,
        `Earnings per share reflected a lower weighted-average share count following repurchases.`,
      ],
    ],
    questions: [
      (c, n) => `How much did ${n} earn in ${c.year}?`,
      (c, n) => `What was ${n}'s bottom line for fiscal ${c.year}?`,
      (c, n) => `Was ${n} profitable in ${c.year}, and by how much?`,
      (c, n) => `How much profit did ${n} make after all expenses and taxes in ${c.year}?`,
      (c, n) => `What net income did ${n} report for ${c.year}?`,
    ],
  },
  {
    key: 'employees',
    contexts: [
      (c, r) => [
        `As of December 31, ${c.year}, ${c.short} had approximately ${count(c.employees)} full-time employees, of whom about ${pct(between(r, 0.1, 0.55), 0)} were located outside the United States.`,
        `None of our employees are represented by a labor union${chance(r, 0.5) ? ', and we consider our relations with employees to be good' : ''}.`,
        `Voluntary turnover was ${pct(between(r, 0.06, 0.2))} during the year.`,
      ],
      (c, r) => [
        `Our people are central to our strategy.`,
        `At the end of fiscal ${c.year}, ${c.name} employed ${count(c.employees)} people, including ${count(c.employees * between(r, 0.05, 0.3))} part-time and seasonal associates.`,
        `We offer competitive pay, health benefits and a retirement savings plan.`,
      ],
    ],
    questions: [
      (c, n) => `How many people work at ${n}?`,
      (c, n) => `What is the size of ${n}'s workforce?`,
      (c, n) => `How large was ${n}'s staff at the end of ${c.year}?`,
      (c, n) => `How many workers were on ${n}'s payroll in ${c.year}?`,
      (c, n) => `How many full-time employees did ${n} have?`,
    ],
  },
  {
    key: 'segments',
    contexts: [
      (c, r) => [
        `${c.name} manages its business through ${c.segments.length} reportable segments: ${listing(c.segments)}.`,
        `${c.segments[0]} contributed ${pct(between(r, 0.4, 0.7), 0)} of consolidated revenue in fiscal ${c.year}.`,
        `Our chief operating decision maker evaluates performance based on segment operating income.`,
      ],
      (c) => [
        `${c.short} ${c.industry.describe}.`,
        `We report our results in ${listing(c.segments)}, which reflect how management allocates resources and assesses performance.`,
      ],
    ],
    questions: [
      (_c, n) => `How is ${n} organized for reporting purposes?`,
      (_c, n) => `Which business units make up ${n}?`,
      (_c, n) => `What divisions does ${n} break its results into?`,
      (_c, n) => `What are the reportable segments of ${n}?`,
    ],
  },
  {
    key: 'rnd',
    applies: (c) => c.rnd > 0,
    contexts: [
      (c, r) => [
        `Research and development expenses were ${money(c.rnd)} in fiscal ${c.year}, or ${pct(c.rnd / c.revenue)} of revenue.`,
        `The increase was primarily due to additional engineering headcount supporting new ${c.industry.products.split(',')[0]}.`,
        `We expect R&D spending to ${pick(r, ['grow modestly', 'remain roughly flat', 'increase'])} as a percentage of revenue.`,
      ],
      (c) => [
        `${c.short} invests in research and development to sustain its technology leadership.`,
        `In ${c.year} R&D expense totaled ${money(c.rnd)}, and our research teams are located in ${c.city} and two other sites.`,
      ],
    ],
    questions: [
      (c, n) => `How much did ${n} invest in innovation in ${c.year}?`,
      (_c, n) => `What does ${n} spend on developing new products?`,
      (c, n) => `How much went into ${n}'s engineering and product development in ${c.year}?`,
      (c, n) => `What were ${n}'s research and development expenses in ${c.year}?`,
    ],
  },
  {
    key: 'dividends',
    contexts: [
      (c, r) =>
        c.dividend > 0
          ? [
              `During fiscal ${c.year} our Board of Directors declared quarterly cash dividends totaling $${c.dividend.toFixed(2)} per share of common stock.`,
              `${c.short} has paid a dividend every year since ${c.founded + 20 + r.int(30)}.`,
              `Future dividends are subject to the Board's discretion.`,
            ]
          : [
              `${c.short} has never declared or paid cash dividends on its common stock.`,
              `We currently intend to retain all future earnings to fund growth, and the terms of our credit agreement restrict such payments.`,
            ],
      (c) =>
        c.dividend > 0
          ? [`Holders of ${c.name} common stock received dividends of $${c.dividend.toFixed(2)} per share in ${c.year}, paid in four equal quarterly installments.`]
          : [`${c.name} does not pay a dividend on its common stock and has no plans to do so in the foreseeable future.`],
    ],
    questions: [
      (_c, n) => `Does ${n} pay shareholders a regular payout?`,
      (c, n) => `How much cash per share did ${n} return to stockholders as distributions in ${c.year}?`,
      (_c, n) => `What payout do ${n}'s investors receive each quarter?`,
      (c, n) => `What dividends did ${n} declare in ${c.year}?`,
    ],
  },
  {
    key: 'buybacks',
    contexts: [
      (c, r) => [
        `In fiscal ${c.year}, ${c.short} repurchased ${(between(r, 0.5, 12)).toFixed(1)} million shares of common stock for ${money(c.cash * between(r, 0.2, 0.8))} under the program authorized by the Board in ${c.year - 1 - r.int(3)}.`,
        `As of year end, ${money(c.cash * between(r, 0.3, 1.5))} remained available under the authorization.`,
      ],
      (c, r) => [
        `Our capital allocation priorities are to invest in the business, maintain an investment grade rating and return excess cash to shareholders.`,
        `Consistent with these priorities, ${c.name} bought back ${money(c.cash * between(r, 0.1, 0.6))} of its own shares during ${c.year}.`,
      ],
    ],
    questions: [
      (c, n) => `Did ${n} buy back its own stock in ${c.year}?`,
      (c, n) => `How much did ${n} spend to reacquire its shares in ${c.year}?`,
      (_c, n) => `Is ${n} shrinking its share count through market purchases?`,
      (c, n) => `What share repurchases did ${n} make in fiscal ${c.year}?`,
    ],
  },
  {
    key: 'debt',
    contexts: [
      (c, r) => [
        `At December 31, ${c.year}, ${c.short} had total long-term debt of ${money(c.debt)}, consisting of senior notes due ${c.year + 3 + r.int(8)} and borrowings under our revolving credit facility.`,
        `The facility provides up to ${money(c.debt * between(r, 0.3, 0.8))} of capacity and contains customary financial covenants, with which we were in compliance.`,
      ],
      (c, r) => [
        `${c.name} issued ${money(c.debt * between(r, 0.2, 0.5))} of ${(between(r, 3, 7)).toFixed(3)}% senior unsecured notes during ${c.year}.`,
        `Proceeds were used to repay term loan borrowings, bringing total indebtedness to ${money(c.debt)} at year end.`,
      ],
    ],
    questions: [
      (_c, n) => `How much does ${n} owe to lenders?`,
      (c, n) => `What borrowings did ${n} have outstanding at the end of ${c.year}?`,
      (_c, n) => `How leveraged is ${n}, and what loans does it carry?`,
      (c, n) => `What was the long-term debt of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'leases',
    contexts: [
      (c, r) => [
        `${c.short} leases its corporate headquarters in ${c.city} and most of its ${c.industry.facilities}.`,
        `Operating lease liabilities were ${money(c.revenue * between(r, 0.02, 0.12))} at the end of fiscal ${c.year}, with a weighted-average remaining lease term of ${(between(r, 3, 12)).toFixed(1)} years.`,
        `Many of our leases include renewal options.`,
      ],
      (c, r) => [
        `We occupy ${count(between(r, 0.4, 9) * 1e6)} square feet of space, of which approximately ${pct(between(r, 0.5, 0.95), 0)} is leased and the remainder owned.`,
        `${c.name}'s lease cost for ${c.year} was ${money(c.revenue * between(r, 0.005, 0.03))}.`,
      ],
    ],
    questions: [
      (_c, n) => `Does ${n} own or rent its facilities?`,
      (_c, n) => `What are ${n}'s rental commitments for its buildings?`,
      (_c, n) => `How long do ${n}'s property rental agreements run?`,
      (c, n) => `What operating lease obligations did ${n} report for ${c.year}?`,
    ],
  },
  {
    key: 'risks',
    contexts: [
      (c, r) => [
        `Our results depend on the availability and cost of ${c.industry.inputs}.`,
        `Supply disruptions, tariffs or sharp price increases could adversely affect ${c.short}'s margins${chance(r, 0.5) ? ', and we may not be able to pass higher costs on to customers' : ''}.`,
        `These risks are described further in Item 1A.`,
      ],
      (c) => [
        `${c.name} faces intense competition, changing customer preferences and the possibility of economic downturns that reduce demand for ${c.industry.products}.`,
        `Any of these factors could materially harm our business, financial condition and results of operations.`,
      ],
    ],
    questions: [
      (_c, n) => `What could hurt ${n}'s business?`,
      (_c, n) => `What threats to its operations does ${n} disclose?`,
      (_c, n) => `What dangers might damage ${n}'s performance?`,
      (_c, n) => `What are the main risk factors for ${n}?`,
    ],
  },
  {
    key: 'customers',
    contexts: [
      (c, r) => [
        `${c.short} sells primarily to ${c.industry.customers}.`,
        `Our largest customer accounted for ${pct(between(r, 0.08, 0.26))} of net sales in fiscal ${c.year}, and our ten largest customers together accounted for ${pct(between(r, 0.3, 0.6), 0)}.`,
        `The loss of a major customer could significantly reduce revenue.`,
      ],
      (c) => [
        `No single customer represented more than 10% of ${c.name}'s revenue in ${c.year}.`,
        `Our customer base consists of ${c.industry.customers}, which limits concentration of credit risk.`,
      ],
    ],
    questions: [
      (_c, n) => `Does ${n} depend heavily on a few buyers?`,
      (_c, n) => `How concentrated are ${n}'s clients?`,
      (_c, n) => `Who buys from ${n}, and does any single account dominate?`,
      (_c, n) => `Who are the major customers of ${n}?`,
    ],
  },
  {
    key: 'competition',
    contexts: [
      (c) => [
        `The markets for ${c.industry.products} are highly competitive and fragmented.`,
        `${c.short} competes on the basis of price, quality, brand recognition and service, against both large multinational companies and smaller regional players.`,
      ],
      (c, r) => [
        `We believe ${c.name} is among the ${pick(r, ['three', 'five', 'ten'])} largest providers in its markets.`,
        `Some competitors have greater financial resources, and new entrants could reduce our market share.`,
      ],
    ],
    questions: [
      (_c, n) => `Who are ${n}'s rivals, and how does it stand out?`,
      (_c, n) => `What is the competitive landscape for ${n}?`,
      (_c, n) => `How does ${n} try to win against other firms in its market?`,
      (_c, n) => `How does ${n} describe its competition?`,
    ],
  },
  {
    key: 'capex',
    contexts: [
      (c, r) => [
        `Capital expenditures were ${money(c.capex)} in fiscal ${c.year}, primarily for new ${c.industry.facilities.split(' and ')[0]} and information technology.`,
        `We expect capital expenditures of ${money(c.capex * between(r, 0.9, 1.4))} in fiscal ${c.year + 1}.`,
      ],
      (c) => [
        `${c.name} invested ${money(c.capex)} in property, plant and equipment during ${c.year} to expand capacity and automate operations.`,
      ],
    ],
    questions: [
      (c, n) => `How much did ${n} spend on equipment and facilities in ${c.year}?`,
      (c, n) => `What were ${n}'s investments in plant and property during ${c.year}?`,
      (c, n) => `How much did ${n} put into physical assets in ${c.year}?`,
      (c, n) => `What were the capital expenditures of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'liquidity',
    contexts: [
      (c) => [
        `As of December 31, ${c.year}, ${c.short} had cash, cash equivalents and short-term investments of ${money(c.cash)}.`,
        `We believe that existing cash, cash flow from operations and available credit will be sufficient to meet our needs for at least the next twelve months.`,
      ],
      (c, r) => [
        `${c.name}'s principal sources of liquidity are cash on hand of ${money(c.cash)} and an undrawn credit facility.`,
        `Working capital was ${money(c.cash * between(r, 0.8, 2.5))} at year end.`,
      ],
    ],
    questions: [
      (c, n) => `How much money did ${n} have on hand at the end of ${c.year}?`,
      (_c, n) => `Can ${n} fund its needs for the next year?`,
      (_c, n) => `How much of a financial cushion does ${n} hold?`,
      (c, n) => `What was the cash balance of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'acquisitions',
    contexts: [
      (c, r) => {
        const target = `${pick(r, TARGET_WORDS)} ${pick(r, c.industry.suffixes)}`;
        return [
          `In ${pick(r, ['February', 'April', 'June', 'September', 'November'])} ${c.year}, ${c.short} acquired ${target}, a provider of ${c.industry.products.split(',')[0]}, for ${money(c.revenue * between(r, 0.03, 0.2))} in cash.`,
          `The purchase price allocation resulted in goodwill of ${money(c.revenue * between(r, 0.01, 0.1))}, which is not deductible for tax purposes.`,
        ];
      },
      (c, r) => [
        `${c.name} completed ${pick(r, ['two', 'three', 'four'])} business combinations during ${c.year} for aggregate consideration of ${money(c.revenue * between(r, 0.02, 0.15))}.`,
        `The acquired businesses were integrated into our ${c.segments[c.segments.length - 1]} segment.`,
      ],
    ],
    questions: [
      (c, n) => `Did ${n} purchase any other businesses in ${c.year}?`,
      (c, n) => `What takeovers did ${n} complete in ${c.year}?`,
      (_c, n) => `Which companies has ${n} bought recently, and for how much?`,
      (c, n) => `What acquisitions did ${n} make in ${c.year}?`,
    ],
  },
  {
    key: 'litigation',
    contexts: [
      (c, r) => [
        `${c.short} is a defendant in a putative class action filed in ${c.year} alleging ${pick(r, ['misleading statements about product safety', 'violations of wage and hour laws', 'breach of warranty'])}.`,
        `We believe the claims are without merit and intend to defend ourselves vigorously, but we cannot predict the outcome.`,
      ],
      (c) => [
        `From time to time ${c.name} is involved in legal proceedings arising in the ordinary course of business.`,
        `We do not believe any pending matter will have a material adverse effect on our financial position.`,
      ],
    ],
    questions: [
      (_c, n) => `Is ${n} facing any lawsuits?`,
      (_c, n) => `Is anyone suing ${n}?`,
      (_c, n) => `What court cases involve ${n}?`,
      (_c, n) => `What legal proceedings is ${n} involved in?`,
    ],
  },
  {
    key: 'tax',
    contexts: [
      (c, r) => {
        const rate = between(r, 0.12, 0.28);
        return [
          `${c.short}'s effective tax rate was ${pct(rate)} in fiscal ${c.year} compared with ${pct(rate + between(r, -0.04, 0.04))} in the prior year.`,
          `The change reflected the mix of earnings across jurisdictions and a benefit from research credits.`,
        ];
      },
      (c, r) => [
        `The provision for income taxes of ${money(Math.abs(c.netIncome) * between(r, 0.15, 0.35))} for ${c.year} differs from the statutory rate mainly because of state taxes and foreign earnings.`,
        `${c.name} had unrecognized tax benefits of ${money(c.revenue * between(r, 0.001, 0.01))}.`,
      ],
    ],
    questions: [
      (c, n) => `What share of its pre-tax profit did ${n} pay to governments in ${c.year}?`,
      (c, n) => `How heavy was ${n}'s income tax burden in ${c.year}?`,
      (_c, n) => `Why did ${n}'s tax rate change?`,
      (c, n) => `What was the effective tax rate of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'gross-margin',
    contexts: [
      (c, r) => {
        const margin = between(r, 0.18, 0.62);
        return [
          `Gross margin was ${pct(margin)} in fiscal ${c.year}, ${chance(r, 0.5) ? 'a decrease' : 'an increase'} of ${(between(r, 0.2, 2.5)).toFixed(1)} percentage points from the prior year.`,
          `${c.short}'s cost of sales reflected ${pick(r, ['higher freight and material costs', 'favorable product mix', 'manufacturing efficiencies'])}.`,
        ];
      },
      (c, r) => [
        `${c.name} generated gross profit of ${money(c.revenue * between(r, 0.2, 0.6))} on revenue of ${money(c.revenue)} in ${c.year}.`,
        `Input cost inflation for ${c.industry.inputs} weighed on gross profit in the first half.`,
      ],
    ],
    questions: [
      (c, n) => `How much did ${n} keep from each dollar of sales after production costs in ${c.year}?`,
      (c, n) => `What markup did ${n} earn on the goods it sold in ${c.year}?`,
      (_c, n) => `Did ${n}'s product profitability improve or worsen?`,
      (c, n) => `What was the gross margin of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'cybersecurity',
    contexts: [
      (c, r) => [
        `${c.short}'s Chief Information Security Officer, who has more than ${10 + r.int(15)} years of experience, leads our information security program and reports to the Audit Committee quarterly.`,
        `The program includes employee training, penetration testing and third-party assessments.`,
      ],
      (c) => [
        `${c.name} relies on information systems to run its business.`,
        `A cyberattack, ransomware incident or data breach could disrupt operations and expose us to liability; we did not experience a material incident in ${c.year}.`,
      ],
    ],
    questions: [
      (_c, n) => `How does ${n} protect itself against hackers?`,
      (_c, n) => `Who oversees ${n}'s digital security?`,
      (_c, n) => `Has ${n} been hit by a computer intrusion?`,
      (_c, n) => `How does ${n} manage cybersecurity risk?`,
    ],
  },
  {
    key: 'climate',
    contexts: [
      (c, r) => [
        `${c.short} has committed to reduce its Scope 1 and Scope 2 greenhouse gas emissions by ${pct(between(r, 0.25, 0.6), 0)} by ${2030 + 5 * r.int(3)} from a ${c.year - 2} baseline.`,
        `In ${c.year}, ${pct(between(r, 0.1, 0.7), 0)} of the electricity used at our ${c.industry.facilities.split(' and ')[0]} came from renewable sources.`,
      ],
      (c) => [
        `${c.name} publishes an annual sustainability report describing its environmental goals.`,
        `We aim to reach net zero emissions across our operations and are investing in energy efficiency and cleaner fleets.`,
      ],
    ],
    questions: [
      (_c, n) => `What are ${n}'s climate goals?`,
      (_c, n) => `How is ${n} cutting its carbon footprint?`,
      (_c, n) => `What has ${n} promised to do about global warming?`,
      (_c, n) => `What emissions reduction targets has ${n} set?`,
    ],
  },
  {
    key: 'headquarters',
    contexts: [
      (c, r) => [
        `Our corporate headquarters is located in ${c.city}, where ${c.short} owns a ${count(between(r, 80, 600) * 1000)} square foot campus.`,
        `We also operate ${c.industry.facilities} in ${3 + r.int(20)} other locations.`,
      ],
      (c) => [
        `${c.name} was founded in ${c.founded} and is headquartered in ${c.city}.`,
        `${c.short} ${c.industry.describe}.`,
      ],
    ],
    questions: [
      (_c, n) => `Where is ${n} based?`,
      (_c, n) => `In which city does ${n} have its main office?`,
      (_c, n) => `Where does ${n} run the company from?`,
      (_c, n) => `Where is the headquarters of ${n}?`,
    ],
  },
  {
    key: 'suppliers',
    contexts: [
      (c, r) => [
        `${c.short} sources ${c.industry.inputs} from a limited number of suppliers, some of which are single sources.`,
        `Our ${pick(r, ['three', 'five'])} largest suppliers accounted for approximately ${pct(between(r, 0.2, 0.6), 0)} of purchases in fiscal ${c.year}.`,
      ],
      (c) => [
        `${c.name} purchases ${c.industry.inputs} under long-term agreements and on the spot market.`,
        `We maintain safety stock and qualify alternative vendors to reduce the risk of shortages.`,
      ],
    ],
    questions: [
      (_c, n) => `Where does ${n} get its materials?`,
      (_c, n) => `Who provides ${n}'s key inputs?`,
      (_c, n) => `How exposed is ${n} to shortages of what it buys?`,
      (_c, n) => `Who are the suppliers of ${n}?`,
    ],
  },
  {
    key: 'inventory',
    applies: (c) => !['bank', 'insurance', 'software', 'media', 'telecom'].includes(c.industry.key),
    contexts: [
      (c, r) => [
        `Inventories were ${money(c.revenue * between(r, 0.06, 0.2))} at the end of fiscal ${c.year}, compared with ${money(c.revenue * between(r, 0.05, 0.2))} a year earlier.`,
        `${c.short} records write-downs for excess and obsolete inventory based on forecast demand.`,
      ],
      (c, r) => [
        `Inventory days on hand at ${c.name} were ${40 + r.int(90)} at year end as supply chains normalized.`,
        `Raw materials made up about ${pct(between(r, 0.2, 0.5), 0)} of total inventories.`,
      ],
    ],
    questions: [
      (c, n) => `How much unsold stock did ${n} hold at the end of ${c.year}?`,
      (_c, n) => `What goods does ${n} keep in its warehouses, and how much are they worth?`,
      (_c, n) => `How quickly does ${n} turn over its merchandise?`,
      (c, n) => `What were the inventories of ${n} in ${c.year}?`,
    ],
  },
  {
    key: 'pension',
    applies: (c) => c.founded < 1985,
    contexts: [
      (c, r) => [
        `${c.short} sponsors a defined benefit pension plan that was closed to new participants in ${c.year - 5 - r.int(10)}.`,
        `At year end the projected benefit obligation was ${money(c.revenue * between(r, 0.03, 0.15))} and the plan was ${pct(between(r, 0.78, 1.05), 0)} funded.`,
      ],
      (c, r) => [
        `${c.name} contributed ${money(c.revenue * between(r, 0.002, 0.01))} to its pension and postretirement plans in ${c.year}.`,
        `A 25 basis point change in the discount rate would change the benefit obligation by about ${pct(between(r, 0.02, 0.04))}.`,
      ],
    ],
    questions: [
      (_c, n) => `What retirement obligations does ${n} have to its former workers?`,
      (_c, n) => `How well funded are ${n}'s retiree plans?`,
      (c, n) => `How much did ${n} put into employee retirement funds in ${c.year}?`,
      (_c, n) => `What defined benefit pension plan does ${n} sponsor?`,
    ],
  },
  {
    key: 'seasonality',
    applies: (c) => c.industry.seasonalQuarter !== undefined,
    contexts: [
      (c, r) => [
        `${c.short}'s business is seasonal, with the ${c.industry.seasonalQuarter} quarter historically accounting for approximately ${pct(between(r, 0.3, 0.42), 0)} of annual net sales.`,
        `Quarterly results may vary because of weather and the timing of holidays.`,
      ],
      (c) => [
        `Demand for ${c.industry.products} at ${c.name} peaks in the ${c.industry.seasonalQuarter} quarter, and we build inventory and hire temporary staff ahead of that period.`,
      ],
    ],
    questions: [
      (_c, n) => `Are ${n}'s sales uneven across the year?`,
      (_c, n) => `When is ${n}'s busiest period?`,
      (_c, n) => `Which months bring ${n} the most business?`,
      (_c, n) => `How seasonal is the business of ${n}?`,
    ],
  },
  {
    key: 'backlog',
    applies: (c) => c.industry.hasBacklog,
    contexts: [
      (c, r) => [
        `${c.short}'s backlog was ${money(c.revenue * between(r, 0.4, 1.6))} at December 31, ${c.year}, of which we expect about ${pct(between(r, 0.5, 0.85), 0)} to be delivered within twelve months.`,
        `Backlog may be cancelled or deferred by customers.`,
      ],
      (c, r) => [
        `Firm orders not yet fulfilled at ${c.name} totaled ${money(c.revenue * between(r, 0.4, 1.6))} at the end of ${c.year}, up from the prior year.`,
      ],
    ],
    questions: [
      (_c, n) => `How much work does ${n} have lined up?`,
      (c, n) => `What was the value of ${n}'s unfilled orders in ${c.year}?`,
      (_c, n) => `How much future business has ${n} already secured?`,
      (c, n) => `What was the backlog of ${n} at the end of ${c.year}?`,
    ],
  },
  {
    key: 'leadership',
    contexts: [
      (c, r) => [
        `${c.ceo} has served as President and Chief Executive Officer of ${c.short} since ${c.ceoSince}.`,
        `Previously, ${c.ceo.split(' ')[0]} held senior roles at ${pick(r, TARGET_WORDS)} Holdings and served on our Board of Directors.`,
      ],
      (c) => [
        `The executive officers of ${c.name} include ${c.ceo}, Chief Executive Officer, who was appointed in ${c.ceoSince}.`,
      ],
    ],
    questions: [
      (_c, n) => `Who runs ${n}?`,
      (_c, n) => `Who is in charge of ${n}?`,
      (_c, n) => `Who leads ${n} and since when?`,
      (_c, n) => `Who is the chief executive officer of ${n}?`,
    ],
  },
  {
    key: 'international',
    contexts: [
      (c, r) => [
        `Approximately ${pct(between(r, 0.1, 0.55), 0)} of ${c.short}'s revenue in fiscal ${c.year} was generated outside the United States.`,
        `A hypothetical 10% adverse change in foreign exchange rates would have reduced revenue by about ${money(c.revenue * between(r, 0.005, 0.04))}.`,
      ],
      (c) => [
        `${c.name} sells its products in more than thirty countries and is exposed to currency fluctuations, principally the euro, the British pound and the Japanese yen.`,
        `We use forward contracts to hedge a portion of these exposures.`,
      ],
    ],
    questions: [
      (_c, n) => `How exposed is ${n} to currency swings?`,
      (_c, n) => `How much of ${n}'s business comes from abroad?`,
      (_c, n) => `Does ${n} sell much overseas?`,
      (_c, n) => `What foreign exchange risk does ${n} face?`,
    ],
  },
];

// ---------------------------------------------------------------- generation

/**
 * All pairs, in a fixed order. Each company gets a fixed number of topics;
 * each (company, topic) gives one passage and one question about it, with
 * the question naming the company by full or short name.
 */
export function generatePairs(seed: number = DATASET_SEED): QaPair[] {
  const r = new Random(seed);
  const pairs: QaPair[] = [];
  for (const company of makeCompanies(r)) {
    const topics = r.shuffle(TOPICS.filter((t) => t.applies?.(company) ?? true)).slice(0, TOPICS_PER_COMPANY);
    for (const topic of topics) {
      const context = withDistractor(pick(r, topic.contexts)(company, r), company, r);
      const named = chance(r, 0.7) ? company.name : company.short;
      const question = pick(r, topic.questions)(company, named);
      pairs.push({ id: '', question, context });
    }
  }
  // Shuffle so that a head/tail split is not grouped by company.
  r.shuffle(pairs);
  return pairs.map((pair, i) => ({ ...pair, id: `f10k-${String(i + 1).padStart(4, '0')}` }));
}

/** JSON Lines, one `{"id","question","context"}` object per line. */
export function toJsonl(pairs: readonly QaPair[]): string {
  return pairs.map((p) => JSON.stringify({ id: p.id, question: p.question, context: p.context })).join('\n') + '\n';
}

/** The dataset card, with the counts of the generated file. */
export function datasetReadme(pairs: readonly QaPair[]): string {
  const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
  const mean = (values: number[]): string => (values.reduce((a, b) => a + b, 0) / values.length).toFixed(1);
  return `---
license: cc0-1.0
language:
- en
pretty_name: Fictional 10-K QA
size_categories:
- 1K<n<10K
task_categories:
- sentence-similarity
---

# fictional-10k-qa

Question/passage pairs in the style of questions about annual reports (10-K
filings): revenue, net income, segments, workforce, R&D, dividends, buybacks,
debt, leases, risks, customers, competition, capital spending, liquidity,
acquisitions, litigation, taxes, margins, cybersecurity, climate goals,
headquarters, suppliers, inventory, pensions, seasonality, backlog,
leadership and currency exposure.

- **Origin**: generated by \`scripts/make-dataset.ts\` in this repository from
  templates with a fixed seed (${DATASET_SEED}); rerunning it
  (\`npx tsc -p . && node dist/scripts/make-dataset.js && node dist/scripts/make-tokenizer.js\`)
  reproduces this folder byte for byte. No text was copied from real filings or
  other datasets.
- **Everything is fictional**: every company, person, city, figure and event is
  invented. Any resemblance to real companies is coincidental. Do not use the
  numbers for anything but testing software.
- **Licence**: CC0 1.0 (public domain dedication). The generator script is
  under the project's Apache-2.0 licence.
- **Purpose**: the built-in offline dataset of \`embedlab demo\`. Questions
  often use other words than their passage ("How much did X earn" against
  "net income"), and passages include distractor sentences, so lexical
  matching alone is imperfect and fine-tuning has something to learn.

## Files

- \`pairs.jsonl\`: ${pairs.length} rows, one JSON object per line:
  - \`id\`: \`f10k-0001\` … \`f10k-${String(pairs.length).padStart(4, '0')}\`
  - \`question\`: the query (mean ${mean(pairs.map((p) => words(p.question)))} words)
  - \`context\`: the passage that answers it (mean ${mean(pairs.map((p) => words(p.context)))} words)
- \`tokenizer/\`: a lowercase WordPiece tokenizer (BERT conventions: [PAD]=0,
  [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4; at most ${VOCAB_SIZE_NOTE} tokens) learned from this
  text and a list of common English words by \`scripts/make-tokenizer.ts\`
  (\`tokenizer.json\`, \`vocab.txt\`, \`tokenizer_config.json\`,
  \`special_tokens_map.json\`), so the demo can build a model with no download.

${pairs.length} pairs cover ${COMPANY_COUNT} fictional companies in ${INDUSTRIES.length} industries, ${TOPICS_PER_COMPANY} topics per
company (${TOPICS.length} topics in all). Every question and every passage is unique. Rows are
shuffled, so any split mixes companies and topics; \`embedlab demo\` splits 90/10
with its seed.

The fields match the question/context layout of the financial 10-K QA data
(\`question\`, \`context\`), so the same loaders read both.
`;
}

function main(): void {
  const pairs = generatePairs();
  const folder = join(__dirname, '..', '..', 'datasets', DATASET_NAME);
  writeFileAtomicSync(join(folder, 'pairs.jsonl'), toJsonl(pairs));
  writeFileAtomicSync(join(folder, 'README.md'), datasetReadme(pairs));
  process.stdout.write(`wrote ${pairs.length} pairs to ${join(folder, 'pairs.jsonl')}\n`);
}

if (require.main === module) main();
