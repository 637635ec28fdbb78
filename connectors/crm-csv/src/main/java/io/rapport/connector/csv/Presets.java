package io.rapport.connector.csv;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.rapport.api.customer.ConsentStatus;

/**
 * The presets: the contact exports of HubSpot, Salesforce, Mailchimp, Zoho CRM and Mautic, and CDNOW's
 * transaction files. The column headers are the ones these products write; the README links where each was checked.
 * Consent columns become marketing consent: an opt-out flag set means WITHDRAWN, an opt-out flag not set means nothing
 * (not having opted out is not consent).
 */
public final class Presets {

    public static final String HUBSPOT = "hubspot";
    public static final String SALESFORCE = "salesforce";
    public static final String MAILCHIMP = "mailchimp";
    public static final String ZOHO = "zoho";
    public static final String MAUTIC = "mautic";
    public static final String CDNOW = "cdnow";

    /** A detected preset needs at least this score ({@link Preset#score}). */
    public static final double MIN_SCORE = 0.2;

    private static final String MARKETING = io.rapport.api.customer.Consent.PURPOSE_MARKETING;
    private static final String OPT_OUT_EMAIL = "consent:marketing:email:optout";
    private static final String OPT_OUT_PHONE = "consent:marketing:phone:optout";

    /** HubSpot CRM, Contacts, "Export" (all properties or the view's columns). */
    public static final Preset HUBSPOT_CONTACTS = new Preset(HUBSPOT, HUBSPOT, Preset.Kind.CONTACTS, cols(
            "Record ID", "externalId",
            "First Name", "firstName",
            "Last Name", "lastName",
            "Email", "email",
            "Phone Number", "phone",
            "Mobile Phone Number", "attribute:mobile_phone_number:STRING",
            "Lifecycle Stage", "attribute:lifecycle_stage:STRING",
            "Lead Status", "attribute:lead_status:STRING",
            "Contact owner", "attribute:contact_owner:STRING",
            "Create Date", "attribute:create_date:DATE",
            "Last Activity Date", "attribute:last_activity_date:DATE",
            "Last Modified Date", "attribute:last_modified_date:DATE",
            "Last Contacted", "attribute:last_contacted:DATE",
            "Company Name", "attribute:company_name:STRING",
            "Associated Company", "attribute:associated_company:STRING",
            "Job Title", "attribute:job_title:STRING",
            "Street Address", "attribute:street_address:STRING",
            "City", "attribute:city:STRING",
            "State/Region", "attribute:state_region:STRING",
            "Postal Code", "attribute:postal_code:STRING",
            "Country/Region", "attribute:country_region:STRING",
            "Preferred language", "locale",
            "Time Zone", "attribute:time_zone:STRING",
            "Message", "attribute:message:STRING",
            "Original Source", "attribute:original_source:STRING",
            "Number of Pageviews", "attribute:number_of_pageviews:NUMBER",
            "Marketing contact status", "attribute:marketing_contact_status:STRING",
            "Unsubscribed from all email", OPT_OUT_EMAIL),
            List.of("Record ID", "Lifecycle Stage", "Contact owner", "Create Date", "Last Activity Date", "Lead Status",
                    "Unsubscribed from all email", "Marketing contact status"),
            DateOrder.MDY, List.of(), List.of(), List.of("Last Modified Date"), null,
            List.of("https://knowledge.hubspot.com/articles/kcs_article/contacts/how-do-i-import-contacts",
                    "public export header: github.com search \"hubspot-crm-exports-all-contacts\" (Record ID ... Unsubscribed from all email)"));

    /** Salesforce, a contacts report exported as CSV (field labels) or a Data Loader export (API names). */
    public static final Preset SALESFORCE_CONTACTS = new Preset(SALESFORCE, SALESFORCE, Preset.Kind.CONTACTS, cols(
            "Contact ID", "externalId",
            "Id", "externalId",
            "First Name", "firstName",
            "FirstName", "firstName",
            "Last Name", "lastName",
            "LastName", "lastName",
            "Email", "email",
            "Phone", "phone",
            "Mobile", "attribute:mobile:STRING",
            "MobilePhone", "attribute:mobile:STRING",
            "Title", "attribute:title:STRING",
            "Department", "attribute:department:STRING",
            "Account Name", "attribute:account_name:STRING",
            "Contact Owner", "attribute:contact_owner:STRING",
            "Lead Source", "attribute:lead_source:STRING",
            "LeadSource", "attribute:lead_source:STRING",
            "Mailing Street", "attribute:mailing_street:STRING",
            "MailingStreet", "attribute:mailing_street:STRING",
            "Mailing City", "attribute:mailing_city:STRING",
            "MailingCity", "attribute:mailing_city:STRING",
            "Mailing State/Province", "attribute:mailing_state:STRING",
            "MailingState", "attribute:mailing_state:STRING",
            "Mailing Zip/Postal Code", "attribute:mailing_postal_code:STRING",
            "MailingPostalCode", "attribute:mailing_postal_code:STRING",
            "Mailing Country", "attribute:mailing_country:STRING",
            "MailingCountry", "attribute:mailing_country:STRING",
            "Birthdate", "attribute:birthdate:DATE",
            "Created Date", "attribute:created_date:DATE",
            "CreatedDate", "attribute:created_date:DATE",
            "Last Modified Date", "attribute:last_modified_date:DATE",
            "LastModifiedDate", "attribute:last_modified_date:DATE",
            "Email Opt Out", OPT_OUT_EMAIL,
            "HasOptedOutOfEmail", OPT_OUT_EMAIL,
            "Do Not Call", OPT_OUT_PHONE,
            "DoNotCall", OPT_OUT_PHONE),
            List.of("Contact ID", "Mailing Zip/Postal Code", "Mailing State/Province", "Created Date", "Do Not Call", "HasOptedOutOfEmail",
                    "MobilePhone", "FirstName", "LastName", "DoNotCall"),
            DateOrder.MDY, List.of(), List.of(), List.of("Last Modified Date", "LastModifiedDate"), null,
            List.of("https://developer.salesforce.com/docs/atlas.en-us.228.0.sfFieldRef.meta/sfFieldRef/salesforce_field_reference_CampaignMember.htm",
                    "https://developer.salesforce.com/docs/atlas.en-us.222.0.api.meta/object_ref/sforce_api_objects_contact.htm"));

    /** Mailchimp, Audience, "Export Audience": one file each for subscribed, unsubscribed and cleaned contacts. */
    public static final Preset MAILCHIMP_AUDIENCE = new Preset(MAILCHIMP, MAILCHIMP, Preset.Kind.CONTACTS, cols(
            "Email Address", "email",
            "First Name", "firstName",
            "Last Name", "lastName",
            "Address", "attribute:address:STRING",
            "Phone Number", "phone",
            "Birthday", "attribute:birthday:STRING",
            "MEMBER_RATING", "attribute:member_rating:NUMBER",
            "OPTIN_TIME", "attribute:optin_time:DATE",
            "OPTIN_IP", "ignore",
            "CONFIRM_TIME", "attribute:confirm_time:DATE",
            "CONFIRM_IP", "ignore",
            "LATITUDE", "ignore",
            "LONGITUDE", "ignore",
            "GMTOFF", "ignore",
            "DSTOFF", "ignore",
            "TIMEZONE", "timeZone",
            "CC", "attribute:country_code:STRING",
            "REGION", "attribute:region:STRING",
            "LAST_CHANGED", "attribute:last_changed:DATE",
            "LEID", "attribute:mailchimp_leid:STRING",
            "EUID", "externalId",
            "NOTES", "attribute:notes:STRING",
            "TAGS", "tags",
            "UNSUB_TIME", "attribute:unsub_time:DATE",
            "UNSUB_CAMPAIGN_TITLE", "attribute:unsub_campaign_title:STRING",
            "UNSUB_CAMPAIGN_ID", "attribute:unsub_campaign_id:STRING",
            "UNSUB_REASON", "attribute:unsub_reason:STRING",
            "UNSUB_REASON_OTHER", "attribute:unsub_reason_other:STRING",
            "CLEAN_TIME", "attribute:clean_time:DATE",
            "CLEAN_CAMPAIGN_TITLE", "attribute:clean_campaign_title:STRING",
            "CLEAN_CAMPAIGN_ID", "attribute:clean_campaign_id:STRING"),
            List.of("Email Address", "MEMBER_RATING", "OPTIN_TIME", "CONFIRM_TIME", "LEID", "EUID", "LAST_CHANGED"),
            DateOrder.YMD, List.of(),
            List.of(new Preset.FileConsent("UNSUB_TIME", MARKETING, "email", ConsentStatus.WITHDRAWN, List.of("UNSUB_TIME", "LAST_CHANGED")),
                    new Preset.FileConsent("CLEAN_TIME", MARKETING, "email", null, List.of()),
                    new Preset.FileConsent(null, MARKETING, "email", ConsentStatus.GRANTED, List.of("CONFIRM_TIME", "OPTIN_TIME", "LAST_CHANGED"))),
            List.of("LAST_CHANGED"), null,
            List.of("http://kb.mailchimp.com/lists/managing-subscribers/view-unsubscribed-and-cleaned-addresses",
                    "public export headers on GitHub: \"Email Address\",\"First Name\",\"Last Name\",...,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,"
                            + "CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS"));

    /** Zoho CRM, Contacts module, "Export" (field labels; a Record Id column first). */
    public static final Preset ZOHO_CONTACTS = new Preset(ZOHO, ZOHO, Preset.Kind.CONTACTS, cols(
            "Record Id", "externalId",
            "Contact Owner", "attribute:contact_owner:STRING",
            "Lead Source", "attribute:lead_source:STRING",
            "Salutation", "attribute:salutation:STRING",
            "First Name", "firstName",
            "Last Name", "lastName",
            "Account Name", "attribute:account_name:STRING",
            "Vendor Name", "attribute:vendor_name:STRING",
            "Email", "email",
            "Secondary Email", "attribute:secondary_email:STRING",
            "Title", "attribute:title:STRING",
            "Department", "attribute:department:STRING",
            "Phone", "phone",
            "Home Phone", "attribute:home_phone:STRING",
            "Other Phone", "attribute:other_phone:STRING",
            "Fax", "attribute:fax:STRING",
            "Mobile", "attribute:mobile:STRING",
            "Date of Birth", "attribute:date_of_birth:DATE",
            "Assistant", "attribute:assistant:STRING",
            "Asst Phone", "attribute:asst_phone:STRING",
            "Email Opt Out", OPT_OUT_EMAIL,
            "Skype ID", "attribute:skype_id:STRING",
            "Twitter", "attribute:twitter:STRING",
            "Mailing Street", "attribute:mailing_street:STRING",
            "Mailing City", "attribute:mailing_city:STRING",
            "Mailing State", "attribute:mailing_state:STRING",
            "Mailing Zip", "attribute:mailing_zip:STRING",
            "Mailing Country", "attribute:mailing_country:STRING",
            "Description", "attribute:description:STRING",
            "Created Time", "attribute:created_time:DATE",
            "Modified Time", "attribute:modified_time:DATE",
            "Last Activity Time", "attribute:last_activity_time:DATE",
            "Tag", "tags"),
            List.of("Record Id", "Secondary Email", "Skype ID", "Mailing Zip", "Created Time", "Modified Time", "Last Activity Time", "Asst Phone",
                    "Date of Birth"),
            null, List.of(), List.of(), List.of("Modified Time"), null,
            List.of("https://www.zoho.com/crm/help/api/modules-fields.html (Contacts: field labels)"));

    /**
     * Mautic, Contacts, "Export to CSV": the profile fields by alias ({@code id} and the default fields) and
     * {@code stage}. {@code tags}, {@code doNotContact} and {@code doNotEmail} are not in that export; they are mapped
     * for files written from Mautic's API or for its import.
     */
    public static final Preset MAUTIC_CONTACTS = new Preset(MAUTIC, MAUTIC, Preset.Kind.CONTACTS, cols(
            "id", "externalId",
            "title", "attribute:title:STRING",
            "firstname", "firstName",
            "lastname", "lastName",
            "company", "attribute:company:STRING",
            "position", "attribute:position:STRING",
            "email", "email",
            "mobile", "attribute:mobile:STRING",
            "phone", "phone",
            "points", "attribute:points:NUMBER",
            "fax", "attribute:fax:STRING",
            "address1", "attribute:address1:STRING",
            "address2", "attribute:address2:STRING",
            "city", "attribute:city:STRING",
            "state", "attribute:state:STRING",
            "zipcode", "attribute:zipcode:STRING",
            "country", "attribute:country:STRING",
            "preferred_locale", "locale",
            "timezone", "timeZone",
            "last_active", "attribute:last_active:DATE",
            "attribution_date", "attribute:attribution_date:DATE",
            "attribution", "attribute:attribution:NUMBER",
            "website", "attribute:website:STRING",
            "facebook", "attribute:facebook:STRING",
            "foursquare", "attribute:foursquare:STRING",
            "instagram", "attribute:instagram:STRING",
            "linkedin", "attribute:linkedin:STRING",
            "skype", "attribute:skype:STRING",
            "twitter", "attribute:twitter:STRING",
            "stage", "attribute:stage:STRING",
            "tags", "tags",
            "doNotContact", OPT_OUT_EMAIL,
            "doNotEmail", OPT_OUT_EMAIL),
            List.of("firstname", "lastname", "preferred_locale", "last_active", "attribution_date", "zipcode", "points", "doNotContact"),
            DateOrder.YMD, List.of(), List.of(), List.of("last_active"), null,
            List.of("https://github.com/mautic/mautic/blob/5.x/app/bundles/LeadBundle/Controller/LeadController.php (batchExportAction)",
                    "https://github.com/mautic/mautic/blob/5.x/app/bundles/LeadBundle/Helper/ExportHelper.php (parseLeadToExport: profile fields + stage)",
                    "https://github.com/mautic/mautic/blob/5.x/app/bundles/LeadBundle/Model/FieldModel.php ($coreFields)"));

    /**
     * CDNOW's transaction files (the CLV literature's data set): {@code CDNOW_master.txt} with its header
     * {@code customer_id date number_of_cds dollar_value}, and {@code CDNOW_sample.txt} without header, read with
     * {@code columns=master_id,sample_id,date,cds,dollar_value}. Blank-separated, dates {@code yyyyMMdd}, US dollars.
     */
    public static final Preset CDNOW_ORDERS = new Preset(CDNOW, CDNOW, Preset.Kind.ORDERS, cols(
            "customer_id", "customerId",
            "master_id", "customerId",
            "sample_id", "ignore",
            "date", "orderDate",
            "number_of_cds", "quantity",
            "cds", "quantity",
            "dollar_value", "amount"),
            List.of("number_of_cds", "dollar_value", "master_id", "sample_id"),
            DateOrder.YMD, List.of("yyyyMMdd"), List.of(), List.of(), "USD",
            List.of("../shared/data/cdnow/README.md", "https://www.brucehardie.com/datasets/"));

    private static final List<Preset> ALL = List.of(HUBSPOT_CONTACTS, SALESFORCE_CONTACTS, MAILCHIMP_AUDIENCE, ZOHO_CONTACTS, MAUTIC_CONTACTS,
            CDNOW_ORDERS);

    /** Column names any file may use, when no preset knows the column: contacts. */
    static final Map<String, String> GENERIC_CONTACTS = cols(
            "email", "email", "e-mail", "email", "email address", "email", "e-mail address", "email", "mail", "email",
            "phone", "phone", "phone number", "phone", "telephone", "phone", "tel", "phone", "mobile", "phone", "mobile phone", "phone",
            "first name", "firstName", "firstname", "firstName", "first_name", "firstName", "given name", "firstName",
            "last name", "lastName", "lastname", "lastName", "last_name", "lastName", "surname", "lastName", "family name", "lastName",
            "id", "externalId", "external id", "externalId", "external_id", "externalId", "externalid", "externalId",
            "customer id", "externalId", "customer_id", "externalId",
            "tags", "tags", "tag", "tags", "locale", "locale", "language", "locale", "time zone", "timeZone", "timezone", "timeZone",
            "time_zone", "timeZone");

    /** Column names any file may use, when no preset knows the column: orders. */
    static final Map<String, String> GENERIC_ORDERS = cols(
            "order id", "orderId", "order_id", "orderId", "orderid", "orderId", "order number", "orderId", "order", "orderId",
            "customer id", "customerId", "customer_id", "customerId", "customerid", "customerId", "external id", "customerId",
            "email", "email", "e-mail", "email", "email address", "email",
            "date", "orderDate", "order date", "orderDate", "order_date", "orderDate", "ordered at", "orderDate", "created at", "orderDate",
            "amount", "amount", "total", "amount", "order total", "amount", "value", "amount",
            "currency", "currency", "quantity", "quantity", "qty", "quantity", "sku", "sku", "product id", "sku",
            "product", "itemName", "item", "itemName", "product name", "itemName", "price", "price", "unit price", "price");

    private Presets() {
    }

    /** @return every preset */
    public static List<Preset> all() {
        return ALL;
    }

    /** @return the presets' names */
    public static List<String> names() {
        return ALL.stream().map(Preset::name).toList();
    }

    /** @return the preset of that name (without case) */
    public static Optional<Preset> byName(String name) {
        return ALL.stream().filter(p -> p.name().equalsIgnoreCase(name == null ? "" : name.trim())).findFirst();
    }

    /**
     * @return the preset of that kind whose columns the header matches best, or empty when none reaches
     *         {@value #MIN_SCORE} (or none has a column only it writes)
     */
    public static Optional<Preset> detect(List<String> header, Preset.Kind kind) {
        Preset best = null;
        double bestScore = 0;
        for (Preset p : ALL) {
            if (p.kind() != kind) {
                continue;
            }
            double s = p.score(header);
            if (s > bestScore) {
                bestScore = s;
                best = p;
            }
        }
        return bestScore >= MIN_SCORE ? Optional.of(best) : Optional.empty();
    }

    private static Map<String, String> cols(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }
}
