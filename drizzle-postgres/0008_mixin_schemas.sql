ALTER TABLE "addresses" ADD COLUMN "mixin_schemas" json;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "mixin_schemas" json;