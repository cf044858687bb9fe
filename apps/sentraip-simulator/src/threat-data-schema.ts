import Joi from 'joi';

/** The verdict fields a profile or rule sets (the API body minus `target`, `type`, `risk_level`). */
export interface VerdictFields {
  threat_score: number;
  categories: string[];
  first_seen: string | null;
  last_seen: string | null;
  last_updated: string;
  country: string;
  asn: string;
  is_tor: boolean;
  is_proxy: boolean;
  sources: string[];
}

/** One rule of the data file: a match, a profile, and fields overriding the profile's. */
export interface DataRule extends Partial<VerdictFields> {
  match: string;
  profile: string;
  /** Domains only: the rule also covers every subdomain of `match`. */
  subdomains?: boolean;
}

/** The data file's shape. */
export interface ThreatDataFile {
  version: 1;
  description?: string;
  profiles: Record<string, VerdictFields>;
  ips: DataRule[];
  domains: DataRule[];
  /** Profile of anything no rule matches. */
  default: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const tags = Joi.array().items(Joi.string().min(1).max(64)).max(64);
const fields = {
  threat_score: Joi.number().min(0).max(10),
  categories: tags,
  first_seen: Joi.string().pattern(ISO).allow(null),
  last_seen: Joi.string().pattern(ISO).allow(null),
  last_updated: Joi.string().pattern(ISO),
  country: Joi.string().pattern(/^[A-Z]{2}$/),
  asn: Joi.string().pattern(/^AS\d{1,10}$/),
  is_tor: Joi.boolean(),
  is_proxy: Joi.boolean(),
  sources: tags,
};
const requiredFields = Object.fromEntries(
  Object.entries(fields).map(([key, schema]) => [key, schema.required()]),
) as typeof fields;

const rule = (match: Joi.StringSchema) =>
  Joi.object({
    ...fields,
    match: match.required(),
    profile: Joi.string().required(),
    subdomains: Joi.boolean(),
  });

/** joi schema of {@link ThreatDataFile}; profiles referenced by rules are checked by the loader. */
export const threatDataFileSchema = Joi.object<ThreatDataFile>({
  version: Joi.valid(1).required(),
  description: Joi.string().max(2000),
  profiles: Joi.object().pattern(Joi.string(), Joi.object(requiredFields)).min(1).required(),
  ips: Joi.array()
    .items(rule(Joi.string().max(64)))
    .required(),
  domains: Joi.array()
    .items(
      rule(
        Joi.string()
          .max(253)
          .pattern(/^[a-z0-9.-]+$/),
      ),
    )
    .required(),
  default: Joi.string().required(),
}).prefs({ abortEarly: false, convert: false });
