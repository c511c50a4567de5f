ALTER TABLE `customers` ADD `type` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `photo_url` text;