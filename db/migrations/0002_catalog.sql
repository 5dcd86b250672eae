CREATE TABLE "characterisations" (
	"id" serial PRIMARY KEY NOT NULL,
	"line_id" integer NOT NULL,
	"test" text NOT NULL,
	"method" text,
	"result" text NOT NULL,
	"passed" boolean
);
--> statement-breakpoint
CREATE TABLE "diseases" (
	"id" serial PRIMARY KEY NOT NULL,
	"name_en" text NOT NULL,
	"name_zh" text,
	"ontology_id" text,
	"synonyms" text[] DEFAULT '{}'::text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "donor_diseases" (
	"donor_id" integer NOT NULL,
	"disease_id" integer NOT NULL,
	"status" text DEFAULT 'affected' NOT NULL,
	CONSTRAINT "donor_diseases_donor_id_disease_id_pk" PRIMARY KEY("donor_id","disease_id")
);
--> statement-breakpoint
CREATE TABLE "donors" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"sex" text DEFAULT 'unknown' NOT NULL,
	"age_band" text,
	"ethnicity" text,
	"hla" text,
	CONSTRAINT "donors_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "genetic_modifications" (
	"id" serial PRIMARY KEY NOT NULL,
	"line_id" integer NOT NULL,
	"type" text NOT NULL,
	"gene" text,
	"variant" text,
	"zygosity" text DEFAULT 'unknown' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "line_diseases" (
	"line_id" integer NOT NULL,
	"disease_id" integer NOT NULL,
	"note" text,
	CONSTRAINT "line_diseases_line_id_disease_id_pk" PRIMARY KEY("line_id","disease_id")
);
--> statement-breakpoint
CREATE TABLE "line_identifiers" (
	"line_id" integer NOT NULL,
	"source" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "line_identifiers_line_id_source_value_pk" PRIMARY KEY("line_id","source","value")
);
--> statement-breakpoint
CREATE TABLE "line_synonyms" (
	"line_id" integer NOT NULL,
	"synonym" text NOT NULL,
	CONSTRAINT "line_synonyms_line_id_synonym_pk" PRIMARY KEY("line_id","synonym")
);
--> statement-breakpoint
CREATE TABLE "lines" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"status" text DEFAULT 'published' NOT NULL,
	"availability" text DEFAULT 'available' NOT NULL,
	"provider_id" integer,
	"depositor" text,
	"generating_institute" text,
	"country" text,
	"derivation_date" text,
	"donor_id" integer,
	"source_tissue" text,
	"source_cell_type" text,
	"cell_type_ontology_id" text,
	"reprogramming_method" text,
	"vector_type" text,
	"gmp" boolean DEFAULT false NOT NULL,
	"xeno_free" boolean DEFAULT false NOT NULL,
	"culture_medium" text,
	"culture_matrix" text,
	"feeder" text,
	"passage_method" text,
	"karyotype" text,
	"consent_scope" text,
	"use_restrictions" text[] DEFAULT '{}'::text[] NOT NULL,
	"agreement" text,
	"parent_line_id" integer,
	"data_source" text,
	"demo" boolean DEFAULT false NOT NULL,
	"synthetic" boolean DEFAULT false NOT NULL,
	"entry_version" integer DEFAULT 1 NOT NULL,
	"record" jsonb NOT NULL,
	"record_digest" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lines_entry_version_positive" CHECK ("lines"."entry_version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"country" text,
	"url" text,
	CONSTRAINT "providers_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "publications" (
	"id" serial PRIMARY KEY NOT NULL,
	"line_id" integer NOT NULL,
	"reference" text NOT NULL,
	"title" text
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" serial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"line_id" integer NOT NULL,
	"type" text NOT NULL,
	"parent_batch_id" integer,
	"passage" integer,
	"production_date" date,
	"grade" text NOT NULL,
	"release_status" text DEFAULT 'quarantine' NOT NULL,
	"vials_total" integer DEFAULT 0 NOT NULL,
	"vials_available" integer DEFAULT 0 NOT NULL,
	"vials_reserved" integer DEFAULT 0 NOT NULL,
	"vials_shipped" integer DEFAULT 0 NOT NULL,
	"storage_location" text,
	"demo" boolean DEFAULT false NOT NULL,
	"synthetic" boolean DEFAULT false NOT NULL,
	"entry_version" integer DEFAULT 1 NOT NULL,
	"record_digest" text NOT NULL,
	"qc_digest" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "batches_vials_nonnegative" CHECK ("batches"."vials_total" >= 0 AND "batches"."vials_available" >= 0 AND "batches"."vials_reserved" >= 0 AND "batches"."vials_shipped" >= 0),
	CONSTRAINT "batches_vials_within_total" CHECK ("batches"."vials_available" + "batches"."vials_reserved" + "batches"."vials_shipped" <= "batches"."vials_total"),
	CONSTRAINT "batches_passage_nonnegative" CHECK ("batches"."passage" IS NULL OR "batches"."passage" >= 0)
);
--> statement-breakpoint
CREATE TABLE "qc_results" (
	"id" serial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL,
	"test" text NOT NULL,
	"method" text,
	"specification" text,
	"result" text NOT NULL,
	"outcome" text NOT NULL,
	"tested_on" date,
	"tested_by" text,
	"reviewed_by" text,
	"position" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clinical_products" (
	"id" serial PRIMARY KEY NOT NULL,
	"product" text NOT NULL,
	"product_type" text NOT NULL,
	"source_cell_type" text NOT NULL,
	"indication" text NOT NULL,
	"sponsor" text,
	"trial_id" text,
	"registry" text,
	"phase" text,
	"country" text,
	"start_year" integer,
	"source_table" integer
);
--> statement-breakpoint
ALTER TABLE "characterisations" ADD CONSTRAINT "characterisations_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donor_diseases" ADD CONSTRAINT "donor_diseases_donor_id_donors_id_fk" FOREIGN KEY ("donor_id") REFERENCES "public"."donors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donor_diseases" ADD CONSTRAINT "donor_diseases_disease_id_diseases_id_fk" FOREIGN KEY ("disease_id") REFERENCES "public"."diseases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "genetic_modifications" ADD CONSTRAINT "genetic_modifications_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_diseases" ADD CONSTRAINT "line_diseases_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_diseases" ADD CONSTRAINT "line_diseases_disease_id_diseases_id_fk" FOREIGN KEY ("disease_id") REFERENCES "public"."diseases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_identifiers" ADD CONSTRAINT "line_identifiers_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "line_synonyms" ADD CONSTRAINT "line_synonyms_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_donor_id_donors_id_fk" FOREIGN KEY ("donor_id") REFERENCES "public"."donors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_parent_line_id_lines_id_fk" FOREIGN KEY ("parent_line_id") REFERENCES "public"."lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_parent_batch_id_batches_id_fk" FOREIGN KEY ("parent_batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qc_results" ADD CONSTRAINT "qc_results_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "characterisations_line_id_index" ON "characterisations" USING btree ("line_id");--> statement-breakpoint
CREATE UNIQUE INDEX "diseases_name_en_ci" ON "diseases" USING btree (lower("name_en"));--> statement-breakpoint
CREATE INDEX "genetic_modifications_line_id_index" ON "genetic_modifications" USING btree ("line_id");--> statement-breakpoint
CREATE INDEX "genetic_modifications_gene_ci" ON "genetic_modifications" USING btree (lower("gene"));--> statement-breakpoint
CREATE INDEX "line_identifiers_value_ci" ON "line_identifiers" USING btree (lower("value"));--> statement-breakpoint
CREATE INDEX "line_synonyms_ci" ON "line_synonyms" USING btree (lower("synonym"));--> statement-breakpoint
CREATE UNIQUE INDEX "lines_name_ci" ON "lines" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "lines_parent_idx" ON "lines" USING btree ("parent_line_id");--> statement-breakpoint
CREATE INDEX "lines_category_idx" ON "lines" USING btree ("category");--> statement-breakpoint
CREATE INDEX "publications_line_id_index" ON "publications" USING btree ("line_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batches_number_ci" ON "batches" USING btree (lower("number"));--> statement-breakpoint
CREATE INDEX "batches_line_idx" ON "batches" USING btree ("line_id");--> statement-breakpoint
CREATE INDEX "qc_results_batch_id_index" ON "qc_results" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clinical_products_product_trial" ON "clinical_products" USING btree ("product","trial_id");--> statement-breakpoint
CREATE INDEX "clinical_products_indication_index" ON "clinical_products" USING btree ("indication");