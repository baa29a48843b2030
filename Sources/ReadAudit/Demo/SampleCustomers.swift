/// A few dozen realistic but fictitious customers for `readaudit demo`. SSNs use the never-issued 9xx
/// area; card numbers are Luhn-valid numbers in test ranges; e-mail addresses are at example.com.
enum SampleCustomers {
    static let json = #"""
[
 {
  "customerId": "C-100001",
  "firstName": "Maria",
  "lastName": "Garcia",
  "ssn": "980-04-1286",
  "dateOfBirth": "2001-03-02",
  "accountBalance": 59425.35,
  "cardNumber": "4000000642064234",
  "address": {
   "street": "8690 Sunset Way",
   "city": "Springfield",
   "state": "IL",
   "postalCode": "62711"
  },
  "phone": "+1-555-904-6965",
  "email": "maria.garcia@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100002",
  "firstName": "James",
  "lastName": "Smith",
  "ssn": "930-63-6412",
  "dateOfBirth": "1947-01-19",
  "accountBalance": 108957.39,
  "cardNumber": "5555550999039706",
  "address": {
   "street": "8228 Maple Ave",
   "city": "Portland",
   "state": "OR",
   "postalCode": "97262"
  },
  "phone": "+1-555-768-9004",
  "email": "james.smith@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100003",
  "firstName": "Aisha",
  "lastName": "Okafor",
  "ssn": "955-29-9809",
  "dateOfBirth": "1944-01-26",
  "accountBalance": 125983.05,
  "cardNumber": "378282909390575",
  "address": {
   "street": "2611 Lakeview Blvd",
   "city": "Austin",
   "state": "TX",
   "postalCode": "78742"
  },
  "phone": "+1-555-683-1532",
  "email": "aisha.okafor@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100004",
  "firstName": "Chen",
  "lastName": "Wang",
  "ssn": "927-03-9070",
  "dateOfBirth": "1997-11-22",
  "accountBalance": 79553.14,
  "cardNumber": "6011004440045926",
  "address": {
   "street": "2984 Lakeview Blvd",
   "city": "Columbus",
   "state": "OH",
   "postalCode": "43226"
  },
  "phone": "+1-555-575-3667",
  "email": "chen.wang@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100005",
  "firstName": "Olivia",
  "lastName": "Johnson",
  "ssn": "981-31-8284",
  "dateOfBirth": "1944-12-15",
  "accountBalance": 79370.78,
  "cardNumber": "4000004164302535",
  "address": {
   "street": "9476 River Street",
   "city": "Raleigh",
   "state": "NC",
   "postalCode": "27642"
  },
  "phone": "+1-555-290-4835",
  "email": "olivia.johnson@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100006",
  "firstName": "Mateo",
  "lastName": "Rossi",
  "ssn": "978-87-6960",
  "dateOfBirth": "1978-11-27",
  "accountBalance": 43429.01,
  "cardNumber": "5555555786852351",
  "address": {
   "street": "4420 Park Place",
   "city": "Madison",
   "state": "WI",
   "postalCode": "53795"
  },
  "phone": "+1-555-508-2661",
  "email": "mateo.rossi@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100007",
  "firstName": "Priya",
  "lastName": "Patel",
  "ssn": "991-73-7653",
  "dateOfBirth": "1983-05-10",
  "accountBalance": 141111.9,
  "cardNumber": "378282761204641",
  "address": {
   "street": "4860 Hillcrest Ave",
   "city": "Tucson",
   "state": "AZ",
   "postalCode": "85779"
  },
  "phone": "+1-555-373-7338",
  "email": "priya.patel@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100008",
  "firstName": "Liam",
  "lastName": "Murphy",
  "ssn": "958-44-7614",
  "dateOfBirth": "1962-05-28",
  "accountBalance": 65431.52,
  "cardNumber": "6011009569200228",
  "address": {
   "street": "2099 Elm Drive",
   "city": "Boise",
   "state": "ID",
   "postalCode": "83755"
  },
  "phone": "+1-555-734-6927",
  "email": "liam.murphy@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100009",
  "firstName": "Fatima",
  "lastName": "Haddad",
  "ssn": "900-57-3647",
  "dateOfBirth": "1940-08-16",
  "accountBalance": 232727.27,
  "cardNumber": "4000007962092349",
  "address": {
   "street": "7135 River Street",
   "city": "Richmond",
   "state": "VA",
   "postalCode": "23217"
  },
  "phone": "+1-555-553-0263",
  "email": "fatima.haddad@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100010",
  "firstName": "Noah",
  "lastName": "Williams",
  "ssn": "927-68-0110",
  "dateOfBirth": "1971-09-13",
  "accountBalance": 45454.02,
  "cardNumber": "5555559805731430",
  "address": {
   "street": "7531 Harbor Road",
   "city": "Albany",
   "state": "NY",
   "postalCode": "12279"
  },
  "phone": "+1-555-335-6454",
  "email": "noah.williams@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100011",
  "firstName": "Sofia",
  "lastName": "Martinez",
  "ssn": "916-59-1393",
  "dateOfBirth": "1944-12-01",
  "accountBalance": 21036.56,
  "cardNumber": "378282903868477",
  "address": {
   "street": "913 Oak Street",
   "city": "Springfield",
   "state": "IL",
   "postalCode": "62734"
  },
  "phone": "+1-555-668-1679",
  "email": "sofia.martinez@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100012",
  "firstName": "Ethan",
  "lastName": "Brown",
  "ssn": "903-63-6876",
  "dateOfBirth": "1980-10-23",
  "accountBalance": 237731.13,
  "cardNumber": "6011006916255509",
  "address": {
   "street": "5907 Cedar Lane",
   "city": "Portland",
   "state": "OR",
   "postalCode": "97291"
  },
  "phone": "+1-555-764-5857",
  "email": "ethan.brown@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100013",
  "firstName": "Yuki",
  "lastName": "Tanaka",
  "ssn": "909-10-3947",
  "dateOfBirth": "1994-11-23",
  "accountBalance": 60172.55,
  "cardNumber": "4000003730377211",
  "address": {
   "street": "8232 Pine Court",
   "city": "Austin",
   "state": "TX",
   "postalCode": "78712"
  },
  "phone": "+1-555-221-5747",
  "email": "yuki.tanaka@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100014",
  "firstName": "Lucas",
  "lastName": "Silva",
  "ssn": "949-36-7220",
  "dateOfBirth": "1957-12-24",
  "accountBalance": 171368.15,
  "cardNumber": "5555557087199730",
  "address": {
   "street": "325 Park Place",
   "city": "Columbus",
   "state": "OH",
   "postalCode": "43228"
  },
  "phone": "+1-555-163-1459",
  "email": "lucas.silva@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100015",
  "firstName": "Amara",
  "lastName": "Mensah",
  "ssn": "941-38-8776",
  "dateOfBirth": "1954-10-23",
  "accountBalance": 200179.24,
  "cardNumber": "378282243899588",
  "address": {
   "street": "7860 Mill Road",
   "city": "Raleigh",
   "state": "NC",
   "postalCode": "27636"
  },
  "phone": "+1-555-326-7598",
  "email": "amara.mensah@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100016",
  "firstName": "Daniel",
  "lastName": "Kim",
  "ssn": "954-77-1683",
  "dateOfBirth": "1940-11-21",
  "accountBalance": 94998.28,
  "cardNumber": "6011004640655060",
  "address": {
   "street": "8034 River Street",
   "city": "Madison",
   "state": "WI",
   "postalCode": "53712"
  },
  "phone": "+1-555-427-8287",
  "email": "daniel.kim@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100017",
  "firstName": "Elena",
  "lastName": "Petrova",
  "ssn": "960-94-4189",
  "dateOfBirth": "2002-03-12",
  "accountBalance": 157744.64,
  "cardNumber": "4000004235854225",
  "address": {
   "street": "8552 Mill Road",
   "city": "Tucson",
   "state": "AZ",
   "postalCode": "85737"
  },
  "phone": "+1-555-635-0485",
  "email": "elena.petrova@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100018",
  "firstName": "Omar",
  "lastName": "Farouk",
  "ssn": "971-56-2854",
  "dateOfBirth": "1972-01-14",
  "accountBalance": 242781.62,
  "cardNumber": "5555552306703255",
  "address": {
   "street": "7544 Harbor Road",
   "city": "Boise",
   "state": "ID",
   "postalCode": "83723"
  },
  "phone": "+1-555-792-7589",
  "email": "omar.farouk@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100019",
  "firstName": "Grace",
  "lastName": "Lee",
  "ssn": "935-29-7878",
  "dateOfBirth": "1976-02-05",
  "accountBalance": 231889.63,
  "cardNumber": "378282069359592",
  "address": {
   "street": "4214 Sunset Way",
   "city": "Richmond",
   "state": "VA",
   "postalCode": "23229"
  },
  "phone": "+1-555-945-8669",
  "email": "grace.lee@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100020",
  "firstName": "Hiro",
  "lastName": "Sato",
  "ssn": "936-25-5416",
  "dateOfBirth": "1965-05-11",
  "accountBalance": 36548.73,
  "cardNumber": "6011002000794909",
  "address": {
   "street": "7638 Elm Drive",
   "city": "Albany",
   "state": "NY",
   "postalCode": "12234"
  },
  "phone": "+1-555-588-9662",
  "email": "hiro.sato@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100021",
  "firstName": "Chloe",
  "lastName": "Dubois",
  "ssn": "983-34-2224",
  "dateOfBirth": "1956-08-08",
  "accountBalance": 196650.07,
  "cardNumber": "4000000788152611",
  "address": {
   "street": "5057 Park Place",
   "city": "Springfield",
   "state": "IL",
   "postalCode": "62789"
  },
  "phone": "+1-555-774-4207",
  "email": "chloe.dubois@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100022",
  "firstName": "Ivan",
  "lastName": "Novak",
  "ssn": "998-67-0988",
  "dateOfBirth": "1979-05-07",
  "accountBalance": 165658.22,
  "cardNumber": "5555559332879850",
  "address": {
   "street": "9450 Hillcrest Ave",
   "city": "Portland",
   "state": "OR",
   "postalCode": "97290"
  },
  "phone": "+1-555-504-4560",
  "email": "ivan.novak@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100023",
  "firstName": "Nadia",
  "lastName": "Karimi",
  "ssn": "943-84-1020",
  "dateOfBirth": "1986-01-07",
  "accountBalance": 100927.42,
  "cardNumber": "378282663900965",
  "address": {
   "street": "5496 River Street",
   "city": "Austin",
   "state": "TX",
   "postalCode": "78771"
  },
  "phone": "+1-555-947-5975",
  "email": "nadia.karimi@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100024",
  "firstName": "Samuel",
  "lastName": "Adeyemi",
  "ssn": "992-38-7143",
  "dateOfBirth": "1945-11-01",
  "accountBalance": 150185.13,
  "cardNumber": "6011000186592014",
  "address": {
   "street": "1437 Maple Ave",
   "city": "Columbus",
   "state": "OH",
   "postalCode": "43233"
  },
  "phone": "+1-555-707-4941",
  "email": "samuel.adeyemi@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100025",
  "firstName": "Leila",
  "lastName": "Nasser",
  "ssn": "996-23-9895",
  "dateOfBirth": "1983-09-18",
  "accountBalance": 151310.03,
  "cardNumber": "4000004175383268",
  "address": {
   "street": "2752 Mill Road",
   "city": "Raleigh",
   "state": "NC",
   "postalCode": "27621"
  },
  "phone": "+1-555-158-2160",
  "email": "leila.nasser@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100026",
  "firstName": "Diego",
  "lastName": "Lopez",
  "ssn": "983-34-7087",
  "dateOfBirth": "1997-07-03",
  "accountBalance": 55186.01,
  "cardNumber": "5555553801676434",
  "address": {
   "street": "5001 Pine Court",
   "city": "Madison",
   "state": "WI",
   "postalCode": "53747"
  },
  "phone": "+1-555-533-3383",
  "email": "diego.lopez@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100027",
  "firstName": "Hannah",
  "lastName": "Schmidt",
  "ssn": "910-29-4990",
  "dateOfBirth": "1955-02-23",
  "accountBalance": 213718.77,
  "cardNumber": "378282598795670",
  "address": {
   "street": "5642 Maple Ave",
   "city": "Tucson",
   "state": "AZ",
   "postalCode": "85708"
  },
  "phone": "+1-555-315-9174",
  "email": "hannah.schmidt@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100028",
  "firstName": "Kwame",
  "lastName": "Asante",
  "ssn": "922-89-2418",
  "dateOfBirth": "1943-09-02",
  "accountBalance": 34842.8,
  "cardNumber": "6011006338734164",
  "address": {
   "street": "8041 Pine Court",
   "city": "Boise",
   "state": "ID",
   "postalCode": "83705"
  },
  "phone": "+1-555-201-4251",
  "email": "kwame.asante@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100029",
  "firstName": "Ingrid",
  "lastName": "Lindqvist",
  "ssn": "935-82-2316",
  "dateOfBirth": "1966-05-04",
  "accountBalance": 178564.01,
  "cardNumber": "4000003709517243",
  "address": {
   "street": "6548 Hillcrest Ave",
   "city": "Richmond",
   "state": "VA",
   "postalCode": "23258"
  },
  "phone": "+1-555-660-1331",
  "email": "ingrid.lindqvist@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100030",
  "firstName": "Rafael",
  "lastName": "Costa",
  "ssn": "909-32-3467",
  "dateOfBirth": "1956-11-06",
  "accountBalance": 133632.4,
  "cardNumber": "5555556540467858",
  "address": {
   "street": "9772 Hillcrest Ave",
   "city": "Albany",
   "state": "NY",
   "postalCode": "12230"
  },
  "phone": "+1-555-865-5491",
  "email": "rafael.costa@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100031",
  "firstName": "Zoe",
  "lastName": "Taylor",
  "ssn": "920-51-8154",
  "dateOfBirth": "1957-09-12",
  "accountBalance": 236216.2,
  "cardNumber": "378282902678554",
  "address": {
   "street": "4233 Mill Road",
   "city": "Springfield",
   "state": "IL",
   "postalCode": "62714"
  },
  "phone": "+1-555-512-5244",
  "email": "zoe.taylor@example.com",
  "tier": "gold"
 },
 {
  "customerId": "C-100032",
  "firstName": "Tomasz",
  "lastName": "Kowalski",
  "ssn": "978-32-3013",
  "dateOfBirth": "1974-08-11",
  "accountBalance": 133314.7,
  "cardNumber": "6011007681584826",
  "address": {
   "street": "4696 Maple Ave",
   "city": "Portland",
   "state": "OR",
   "postalCode": "97251"
  },
  "phone": "+1-555-666-2802",
  "email": "tomasz.kowalski@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100033",
  "firstName": "Mei",
  "lastName": "Lin",
  "ssn": "946-44-0617",
  "dateOfBirth": "1966-04-17",
  "accountBalance": 79010.37,
  "cardNumber": "4000004842241972",
  "address": {
   "street": "3033 Cedar Lane",
   "city": "Austin",
   "state": "TX",
   "postalCode": "78736"
  },
  "phone": "+1-555-273-3179",
  "email": "mei.lin@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100034",
  "firstName": "Ahmed",
  "lastName": "Hassan",
  "ssn": "900-81-4536",
  "dateOfBirth": "1957-01-23",
  "accountBalance": 52596.62,
  "cardNumber": "5555552632649487",
  "address": {
   "street": "4298 Harbor Road",
   "city": "Columbus",
   "state": "OH",
   "postalCode": "43205"
  },
  "phone": "+1-555-946-5643",
  "email": "ahmed.hassan@example.com",
  "tier": "standard"
 },
 {
  "customerId": "C-100035",
  "firstName": "Clara",
  "lastName": "Becker",
  "ssn": "993-54-8685",
  "dateOfBirth": "1989-07-13",
  "accountBalance": 157709.05,
  "cardNumber": "378282230190678",
  "address": {
   "street": "843 River Street",
   "city": "Raleigh",
   "state": "NC",
   "postalCode": "27623"
  },
  "phone": "+1-555-267-3941",
  "email": "clara.becker@example.com",
  "tier": "platinum"
 },
 {
  "customerId": "C-100036",
  "firstName": "Jonah",
  "lastName": "Reyes",
  "ssn": "919-20-5498",
  "dateOfBirth": "1988-02-13",
  "accountBalance": 123.19,
  "cardNumber": "6011003244677553",
  "address": {
   "street": "1094 Harbor Road",
   "city": "Madison",
   "state": "WI",
   "postalCode": "53772"
  },
  "phone": "+1-555-290-6845",
  "email": "jonah.reyes@example.com",
  "tier": "standard"
 }
]
"""#
}
