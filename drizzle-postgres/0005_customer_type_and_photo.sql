ALTER TABLE "customers" ADD COLUMN "type" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "photo_url" text;