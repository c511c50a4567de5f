CREATE TABLE `accounts` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`customer_pk` integer NOT NULL,
	`email` text NOT NULL,
	`provider_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_pk`) REFERENCES `customers`(`pk`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_tenant_id` ON `accounts` (`tenant`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_tenant_email` ON `accounts` (`tenant`,lower("email"));--> statement-breakpoint
CREATE INDEX `accounts_customer` ON `accounts` (`customer_pk`,`created_at`,`pk`);--> statement-breakpoint
CREATE TABLE `addresses` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`customer_pk` integer NOT NULL,
	`contact_name` text NOT NULL,
	`company_name` text,
	`street` text,
	`street_number` text,
	`street_appendix` text,
	`extra_line1` text,
	`extra_line2` text,
	`extra_line3` text,
	`extra_line4` text,
	`zip_code` text,
	`city` text,
	`country` text NOT NULL,
	`state` text,
	`contact_phone` text,
	`tags` text NOT NULL,
	`is_default` integer NOT NULL,
	`created_at` integer NOT NULL,
	`modified_at` integer NOT NULL,
	FOREIGN KEY (`customer_pk`) REFERENCES `customers`(`pk`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `addresses_tenant_id` ON `addresses` (`tenant`,`id`);--> statement-breakpoint
CREATE INDEX `addresses_customer` ON `addresses` (`customer_pk`,`created_at`,`pk`);--> statement-breakpoint
CREATE TABLE `customer_legal_entities` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`customer_pk` integer NOT NULL,
	`legal_entity_pk` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_pk`) REFERENCES `customers`(`pk`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`legal_entity_pk`) REFERENCES `legal_entities`(`pk`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_legal_entities_tenant_id` ON `customer_legal_entities` (`tenant`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `customer_legal_entities_member` ON `customer_legal_entities` (`customer_pk`,`legal_entity_pk`);--> statement-breakpoint
CREATE INDEX `customer_legal_entities_entity` ON `customer_legal_entities` (`legal_entity_pk`,`customer_pk`);--> statement-breakpoint
CREATE TABLE `customers` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`customer_number` text NOT NULL,
	`title` text,
	`first_name` text,
	`middle_name` text,
	`last_name` text,
	`contact_email` text,
	`contact_phone` text,
	`company` text,
	`preferred_language` text NOT NULL,
	`preferred_currency` text NOT NULL,
	`preferred_site` text NOT NULL,
	`active` integer NOT NULL,
	`on_hold` integer NOT NULL,
	`company_registration_id` text,
	`mixins` text,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`modified_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_tenant_number` ON `customers` (`tenant`,`customer_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_created` ON `customers` (`tenant`,`created_at`,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_modified` ON `customers` (`tenant`,`modified_at`,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_last_name` ON `customers` (`tenant`,(CASE WHEN "last_name" IS NULL THEN '' ELSE "last_name" END) COLLATE NOCASE,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_first_name` ON `customers` (`tenant`,(CASE WHEN "first_name" IS NULL THEN '' ELSE "first_name" END) COLLATE NOCASE,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_contact_email` ON `customers` (`tenant`,(CASE WHEN "contact_email" IS NULL THEN '' ELSE "contact_email" END) COLLATE NOCASE,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_company` ON `customers` (`tenant`,(CASE WHEN "company" IS NULL THEN '' ELSE "company" END) COLLATE NOCASE,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_active` ON `customers` (`tenant`,`active`,`created_at`,`pk`);--> statement-breakpoint
CREATE INDEX `customers_tenant_on_hold` ON `customers` (`tenant`,`on_hold`,`created_at`,`pk`);--> statement-breakpoint
CREATE TABLE `deleted_customers` (
	`tenant` text NOT NULL,
	`customer_number` text NOT NULL,
	`deleted_at` integer NOT NULL,
	PRIMARY KEY(`tenant`, `customer_number`)
);
--> statement-breakpoint
CREATE TABLE `legal_entities` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`registration_id` text,
	`name` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `legal_entities_tenant_id` ON `legal_entities` (`tenant`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `legal_entities_tenant_registration` ON `legal_entities` (`tenant`,`registration_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `outbox_unsent` ON `outbox` (`sent_at`,`pk`);