ALTER TABLE "addresses" ALTER COLUMN "country" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "addresses" ADD COLUMN "mixins" json;