DROP INDEX `customers_tenant_created`;--> statement-breakpoint
DROP INDEX `customers_tenant_modified`;--> statement-breakpoint
DROP INDEX `customers_tenant_last_name`;--> statement-breakpoint
DROP INDEX `customers_tenant_first_name`;--> statement-breakpoint
DROP INDEX `customers_tenant_contact_email`;--> statement-breakpoint
DROP INDEX `customers_tenant_company`;--> statement-breakpoint
DROP INDEX `customers_tenant_active`;--> statement-breakpoint
DROP INDEX `customers_tenant_on_hold`;--> statement-breakpoint
CREATE INDEX `customers_tenant_created` ON `customers` (`tenant`,`created_at`,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_modified` ON `customers` (`tenant`,`modified_at`,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_last_name` ON `customers` (`tenant`,(CASE WHEN "last_name" IS NULL THEN '' ELSE "last_name" END) COLLATE NOCASE,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_first_name` ON `customers` (`tenant`,(CASE WHEN "first_name" IS NULL THEN '' ELSE "first_name" END) COLLATE NOCASE,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_contact_email` ON `customers` (`tenant`,(CASE WHEN "contact_email" IS NULL THEN '' ELSE "contact_email" END) COLLATE NOCASE,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_company` ON `customers` (`tenant`,(CASE WHEN "company" IS NULL THEN '' ELSE "company" END) COLLATE NOCASE,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_active` ON `customers` (`tenant`,`active`,`created_at`,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_on_hold` ON `customers` (`tenant`,`on_hold`,`created_at`,`customer_number`);